"""Filing a post report: linked to the record, its counts checked, once under retry."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from comms.station import Station
from posts.conftest import STANDOFF, events_of, guard


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
