"""Doors upload the decisions they made: once, for known persons, with their key, by whom may."""

from __future__ import annotations

from typing import Any

from access.station import ana_in_the_south
from door.conftest import MakeClient
from muster.db import Database


def _upload(ana: str, request_id: str = "r-1", **change: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "request_id": request_id,
        "direction": "exit",
        "policy_version": "shipped",
        "decided_at": "2026-01-01T00:00:00+00:00",
        "decisions": [
            {
                "decision_id": f"{request_id}-d",
                "person_ref": "Ana",
                "person_id": ana,
                "allowed": False,
                "rule_ids": [],
                "explanation": "Denied",
            }
        ],
    }
    body.update(change)
    return body


class TestUploads:
    """An upload lands once, only for a known person, with its key, by whom may ask."""

    def test_retry_records_nothing_more(self, db: Database, make_client: MakeClient) -> None:
        """The first upload is 201; the same key again is 200 with nothing recorded."""
        ids = ana_in_the_south(db)
        guard = make_client("guard")
        url = f"/api/v1/doors/portals/{ids['portal']}/requests"
        first = guard.post(url, json=_upload(ids["ana"]), headers={"Idempotency-Key": "r-1"})
        again = guard.post(url, json=_upload(ids["ana"]), headers={"Idempotency-Key": "r-1"})
        assert (first.status_code, first.json()["recorded"]) == (201, 1)
        assert (again.status_code, again.json()["recorded"]) == (200, 0)

    def test_bad_uploads_say_what_to_fix(self, db: Database, make_client: MakeClient) -> None:
        """A key other than the request id, an unknown person, a future time: 422."""
        ids = ana_in_the_south(db)
        guard = make_client("guard")
        url = f"/api/v1/doors/portals/{ids['portal']}/requests"
        wrong_key = guard.post(url, json=_upload(ids["ana"]), headers={"Idempotency-Key": "x"})
        assert wrong_key.status_code == 422
        assert "Idempotency-Key" in wrong_key.json()["detail"]
        stranger = guard.post(
            url, json=_upload("no-such-person", "r-2"), headers={"Idempotency-Key": "r-2"}
        )
        assert stranger.status_code == 422
        assert "not on the register" in stranger.json()["detail"]
        future = _upload(ids["ana"], "r-3", decided_at="2999-01-01T00:00:00+00:00")
        late = guard.post(url, json=future, headers={"Idempotency-Key": "r-3"})
        assert late.status_code == 422
        assert "clock" in late.json()["detail"]
        naive = _upload(ids["ana"], "r-4", decided_at="2026-01-01T00:00:00")
        unzoned = guard.post(url, json=naive, headers={"Idempotency-Key": "r-4"})
        assert unzoned.status_code == 422
        assert "decided_at" in unzoned.json()["detail"]

    def test_observer_may_not_upload(self, db: Database, make_client: MakeClient) -> None:
        """An observer's account is refused (403) and nothing is recorded."""
        ids = ana_in_the_south(db)
        observer = make_client("observer")
        answer = observer.post(
            f"/api/v1/doors/portals/{ids['portal']}/requests",
            json=_upload(ids["ana"]),
            headers={"Idempotency-Key": "r-1"},
        )
        assert answer.status_code == 403
        guard = make_client("guard")
        decisions = guard.get(f"/api/v1/portals/{ids['portal']}/decisions").json()
        assert decisions == []


class TestDecisionIds:
    """A decision id names one decision: reused by another request, the upload is refused."""

    def test_reused_decision_id(self, db: Database, make_client: MakeClient) -> None:
        ids = ana_in_the_south(db)
        guard = make_client("guard")
        url = f"/api/v1/doors/portals/{ids['portal']}/requests"
        guard.post(url, json=_upload(ids["ana"]), headers={"Idempotency-Key": "r-1"})
        reused = _upload(ids["ana"], "r-2")
        reused["decisions"][0]["decision_id"] = "r-1-d"
        refused = guard.post(url, json=reused, headers={"Idempotency-Key": "r-2"})
        assert refused.status_code == 409, refused.text
        assert "the door must send new ids" in refused.json()["detail"]
        decisions = guard.get(f"/api/v1/portals/{ids['portal']}/decisions").json()
        assert [d["request_id"] for d in decisions] == ["r-1"]


class TestAlerts:
    """A door raises an alert for its post once per journal key; an observer raises none."""

    def alert(self, ana: str) -> dict[str, str]:
        return {"about": "passage.refused", "text": "Ana refused at the door", "person_id": ana}

    def test_raised_once(self, db: Database, make_client: MakeClient) -> None:
        ids = ana_in_the_south(db)
        guard = make_client("guard")
        url = f"/api/v1/doors/portals/{ids['portal']}/alerts"
        first = guard.post(url, json=self.alert(ids["ana"]), headers={"Idempotency-Key": "a-1"})
        again = guard.post(url, json=self.alert(ids["ana"]), headers={"Idempotency-Key": "a-1"})
        assert first.status_code == 201, first.text
        assert first.json()["seq"] is not None
        assert (again.status_code, again.json()["seq"]) == (200, None)

    def test_an_observer_raises_none(self, db: Database, make_client: MakeClient) -> None:
        ids = ana_in_the_south(db)
        url = f"/api/v1/doors/portals/{ids['portal']}/alerts"
        refused = make_client("observer").post(
            url, json=self.alert(ids["ana"]), headers={"Idempotency-Key": "a-1"}
        )
        assert refused.status_code == 403, refused.text
        assert "access.request" in refused.json()["detail"]

    def test_a_blank_key(self, db: Database, make_client: MakeClient) -> None:
        ids = ana_in_the_south(db)
        url = f"/api/v1/doors/portals/{ids['portal']}/alerts"
        refused = make_client("guard").post(
            url, json=self.alert(ids["ana"]), headers={"Idempotency-Key": "   "}
        )
        assert refused.status_code == 422, refused.text
        assert "Idempotency-Key" in refused.json()["detail"]
