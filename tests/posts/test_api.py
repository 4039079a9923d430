"""Post reports over the API: a guard reports for her own post, linked to the record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from comms.station import Station
from posts.conftest import guard

STANDOFF: dict[str, Any] = {
    "status": "standoff",
    "visitors": 15,
    "residents": 12,
    "armed": 15,
    "text": "Fifteen visitors face the guards.",
}


def events_of(client: TestClient, kind: str) -> list[dict[str, Any]]:
    """Events of one kind from the log, oldest first."""
    response = client.get("/api/v1/events", params={"kind": kind, "limit": 100})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


class TestReport:
    """A report records the post's situation, linked to the post, portal and incident."""

    def test_report_is_an_event_linked_to_post_portal_and_incident(
        self, make_client: Callable[..., TestClient], crew: Station, incident: str
    ) -> None:
        """Gail's standoff report is filed, evented and tied to the open incident."""
        gail = guard(make_client, crew, "Gail")
        post = crew.posts["South airlock post"]
        response = gail.post(f"/api/v1/posts/{post}/reports", json=STANDOFF)
        assert response.status_code == 201, response.text
        report = response.json()
        assert report["incident_id"] == incident
        assert report["portal_id"] == crew.portals["South airlock"]
        assert report["visitors_seen"] == 15
        admin = make_client("admin")
        (event,) = events_of(admin, "posts.report.filed")
        assert {report["id"], post, crew.portals["South airlock"], incident} <= set(
            event["subjects"]
        )
        assert event["payload"]["summary"].startswith("South airlock post: Standoff.")

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

    def test_unknown_status_is_a_clear_422(
        self, make_client: Callable[..., TestClient], crew: Station
    ) -> None:
        """A status outside the fixed list is refused, naming the field."""
        gail = guard(make_client, crew, "Gail")
        post = crew.posts["South airlock post"]
        response = gail.post(f"/api/v1/posts/{post}/reports", json={"status": "chaos"})
        assert response.status_code == 422
        assert "status" in response.text

    def test_negative_counts_are_refused(
        self, make_client: Callable[..., TestClient], crew: Station
    ) -> None:
        """Counts seen are never negative."""
        gail = guard(make_client, crew, "Gail")
        post = crew.posts["South airlock post"]
        body = {"status": "standoff", "visitors": -1}
        assert gail.post(f"/api/v1/posts/{post}/reports", json=body).status_code == 422

    def test_report_without_incident_is_kept_unlinked(
        self, make_client: Callable[..., TestClient], crew: Station
    ) -> None:
        """With no incident open, a report is still kept, linked to no incident."""
        gail = guard(make_client, crew, "Gail")
        post = crew.posts["South airlock post"]
        response = gail.post(f"/api/v1/posts/{post}/reports", json={"status": "quiet"})
        assert response.status_code == 201
        assert response.json()["incident_id"] is None


class TestRetry:
    """A handset's retry with the same Idempotency-Key records the report once."""

    def test_same_key_same_report_once(
        self, make_client: Callable[..., TestClient], crew: Station, incident: str
    ) -> None:
        """Sent twice with one key: one report, one event, the same answer."""
        gail = guard(make_client, crew, "Gail")
        post = crew.posts["South airlock post"]
        headers = {"Idempotency-Key": "south-1"}
        first = gail.post(f"/api/v1/posts/{post}/reports", json=STANDOFF, headers=headers)
        again = gail.post(f"/api/v1/posts/{post}/reports", json=STANDOFF, headers=headers)
        assert first.status_code == again.status_code == 201
        assert again.json()["id"] == first.json()["id"]
        assert len(events_of(make_client("admin"), "posts.report.filed")) == 1

    def test_same_key_other_report_is_a_conflict(
        self, make_client: Callable[..., TestClient], crew: Station, incident: str
    ) -> None:
        """A key reused for a different report is refused, saying to use a new key."""
        gail = guard(make_client, crew, "Gail")
        post = crew.posts["South airlock post"]
        headers = {"Idempotency-Key": "south-2"}
        gail.post(f"/api/v1/posts/{post}/reports", json=STANDOFF, headers=headers)
        other = gail.post(
            f"/api/v1/posts/{post}/reports", json={"status": "quiet"}, headers=headers
        )
        assert other.status_code == 409
        assert "use a new key" in other.json()["detail"]


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
