"""Who may report for a post or call help from it, and read the posts: asked before any lookup."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from comms.station import Station
from muster.errors import Forbidden, NotFound
from muster.policy.actor import Actor
from muster.posts.rules import HELP, REPORT, authorize_at_post, authorize_read
from posts.conftest import STANDOFF, events_of, guard


class TestReporting:
    """A guard reports for her own post; command for any; others for none."""

    def test_guard_may_not_report_for_another_post(
        self, make_client: Callable[..., TestClient], crew: Station, incident: str
    ) -> None:
        """Gail stands at the South airlock: a report for the West post is refused."""
        gail = guard(make_client, crew, "Gail")
        west = crew.posts["West airlock post"]
        response = gail.post(f"/api/v1/posts/{west}/reports", json=STANDOFF)
        assert response.status_code == 403, response.text
        assert "post.report" in response.json()["detail"]
        assert events_of(make_client("admin"), "posts.report.filed") == []

    def test_refusal_tells_nothing_about_the_post(
        self, make_client: Callable[..., TestClient], crew: Station
    ) -> None:
        """A medic is refused the same way whether or not the post exists."""
        mary = make_client("medic", person_id=crew.persons["Mary"])
        real = mary.post(f"/api/v1/posts/{crew.posts['West airlock post']}/reports", json=STANDOFF)
        made_up = mary.post("/api/v1/posts/no-such-post/reports", json=STANDOFF)
        assert real.status_code == made_up.status_code == 403

    def test_officer_reports_for_any_post(
        self, make_client: Callable[..., TestClient], crew: Station, incident: str
    ) -> None:
        """Dominic, an officer, may report the South post's situation."""
        dominic = make_client("officer", person_id=crew.persons["Dominic"])
        response = dominic.post(
            "/api/v1/posts/South airlock post/reports", json={"status": "under_control"}
        )
        assert response.status_code == 201, response.text

    def test_a_guard_at_no_post(self, session: Session, crew: Station) -> None:
        """A guard assigned nowhere calls no help from a post she does not stand at."""
        loose = Actor(
            kind="account", id="acct-x", name="X", roles=frozenset({"guard"}), person_id="p-x"
        )
        for ref in (crew.posts["South airlock post"], "South airlock post"):
            with pytest.raises(Forbidden, match=r"post\.help"):
                authorize_at_post(session, actor=loose, action=HELP, post_ref=ref)

    def test_an_unknown_post_for_command(self, session: Session, crew: Station) -> None:
        john = Actor(kind="account", id="acct-j", name="John", roles=frozenset({"commander"}))
        with pytest.raises(NotFound):
            authorize_at_post(session, actor=john, action=REPORT, post_ref="no-such-post")

    def test_a_door_device_reports_nothing(self, session: Session, crew: Station) -> None:
        device = Actor(kind="token", id="tok-d", name="Door", roles=frozenset({"device", "admin"}))
        with pytest.raises(Forbidden):
            authorize_at_post(
                session, actor=device, action=REPORT, post_ref=crew.posts["West airlock post"]
            )


class TestReading:
    """The station's operators read the board; a visitor's account reads nothing."""

    def test_a_visitor_reads_no_board(
        self, make_client: Callable[..., TestClient], crew: Station
    ) -> None:
        bahati = make_client(person_id=crew.persons["Bahati"])
        refused = bahati.get("/api/v1/post-board")
        assert refused.status_code == 403, refused.text
        assert "post.read" in refused.json()["detail"]
        assert make_client("observer").get("/api/v1/post-board").status_code == 200
        assert events_of(make_client("admin"), "posts.report.filed") == []

    def test_a_device_reads_no_board(self) -> None:
        with pytest.raises(Forbidden, match=r"post\.read"):
            authorize_read(Actor(kind="token", id="t", name="d", roles=frozenset({"device"})))
