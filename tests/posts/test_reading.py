"""Reading the posts: each post's latest report on the board, reports newest first, and a
weapon's record for those who may read both custody and the posts' reports."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from comms.station import Station
from muster.db import Database
from posts.conftest import STANDOFF, guard, rifle_out_to


class TestBoard:
    """The board shows each post's latest report and its age, help first."""

    def test_latest_report_per_post(
        self, make_client: Callable[..., TestClient], crew: Station, incident: str
    ) -> None:
        """Only the newest report of a post is on the board."""
        gail = guard(make_client, crew, "Gail")
        post = crew.posts["South airlock post"]
        gail.post(f"/api/v1/posts/{post}/reports", json=STANDOFF)
        gail.post(f"/api/v1/posts/{post}/reports", json={"status": "under_control"})
        board = make_client("commander", person_id=crew.persons["John"]).get("/api/v1/post-board")
        assert board.status_code == 200
        south = next(r for r in board.json() if r["post_id"] == post)
        assert south["status"] == "under_control"
        assert south["words"] == "Under control"
        assert south["colour"] == "green"
        assert south["age_seconds"] is not None
        assert south["age_seconds"] >= 0
        west = next(r for r in board.json() if r["post"] == "West airlock post")
        assert west["status"] is None
        assert west["colour"] == "grey"

    def test_reports_listed_newest_first(
        self, make_client: Callable[..., TestClient], crew: Station, incident: str
    ) -> None:
        """A post's reports read back newest first."""
        gail = guard(make_client, crew, "Gail")
        post = crew.posts["South airlock post"]
        gail.post(f"/api/v1/posts/{post}/reports", json=STANDOFF)
        gail.post(f"/api/v1/posts/{post}/reports", json={"status": "under_control"})
        page = gail.get(f"/api/v1/posts/{post}/reports").json()
        assert page["total"] == 2
        assert [r["status"] for r in page["items"]] == ["under_control", "standoff"]


class TestWeaponRecord:
    """A weapon's chain of custody and force, for the station's operators, by id or serial."""

    def test_by_serial(
        self, make_client: Callable[..., TestClient], crew: Station, db: Database
    ) -> None:
        unit_id = rifle_out_to(db, crew, "Gail", "RF-07")
        answer = make_client("officer").get("/api/v1/post-force/units/RF-07")
        assert answer.status_code == 200, answer.text
        assert (answer.json()["unit_id"], answer.json()["serial"]) == (unit_id, "RF-07")
        assert answer.json()["force"] == []

    def test_an_unknown_serial(self, make_client: Callable[..., TestClient], crew: Station) -> None:
        answer = make_client("officer").get("/api/v1/post-force/units/RF-99")
        assert answer.status_code == 404, answer.text
        assert "give the unit's id" in answer.json()["detail"]

    def test_a_visitor_learns_nothing(
        self, make_client: Callable[..., TestClient], crew: Station, db: Database
    ) -> None:
        rifle_out_to(db, crew, "Gail", "RF-07")
        bahati = make_client(person_id=crew.persons["Bahati"])
        for ref in ("RF-07", "RF-99"):
            assert bahati.get(f"/api/v1/post-force/units/{ref}").status_code == 403
