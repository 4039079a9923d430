"""A term past its due date with no evidence raises one alert, from the timed job."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from muster import clock
from muster.db import Database
from muster.scheduler import load_jobs, run_jobs_once
from welfare.station import build_station

JOB = "muster.agreements.overdue:run_overdue_terms"


def _term(text: str, **kw: object) -> dict[str, object]:
    return {"text": text, "station_owner": "John", "party_owner": "Zane", **kw}


@pytest.fixture
def agreement(db: Database, client: TestClient) -> dict[str, object]:
    """Terms due an hour ago, due tomorrow, standing, and due an hour ago but met."""
    with db.session_scope() as session:
        build_station(session)
    past = (clock.now() - timedelta(hours=1)).isoformat()
    future = (clock.now() + timedelta(days=1)).isoformat()
    body = {
        "title": "Agreement after the talks",
        "party": "Vessel",
        "signatories": ["John", "Zane"],
        "text": "The commanders agree the terms below.",
        "terms": [
            _term("Report on the residents by noon.", due_at=past),
            _term("Report tomorrow.", due_at=future),
            _term("The vessel does not leave orbit.", recurrence="standing"),
            _term("Hand over the list of those aboard.", due_at=past),
        ],
    }
    response = client.post("/api/v1/agreements", json=body)
    assert response.status_code == 201, response.text
    met = response.json()["terms"][3]["id"]
    seq = client.get("/api/v1/events", params={"kind": "agreements.term.added"}).json()
    evidence = [{"kind": "event", "ref": str(seq["items"][0]["seq"])}]
    settle = {"status": "met", "reason": "list received", "evidence": evidence}
    assert client.post(f"/api/v1/agreements/terms/{met}/status", json=settle).status_code == 200
    return dict(response.json())


def _alerts(client: TestClient) -> list[dict[str, object]]:
    events = client.get("/api/v1/events", params={"kind": "agreements.alert.raised"}).json()
    return [e for e in events["items"] if e["payload"].get("about") == "term.overdue"]


class TestOverdueTerms:
    """Only a pending term past its date is alerted, and only once however often the job runs."""

    def test_one_alert_for_the_one_overdue_term(
        self, db: Database, client: TestClient, agreement: dict[str, object]
    ) -> None:
        """The job alerts term 1 to the commander, naming its owner; runs after add nothing."""
        jobs = load_jobs((JOB,))
        assert run_jobs_once(db, jobs) == {JOB: 1}
        assert run_jobs_once(db, jobs) == {JOB: 0}
        (alert,) = _alerts(client)
        assert alert["payload"]["audience"] == "commander"
        assert alert["payload"]["term"] == 1
        assert "John" in alert["payload"]["text"]

    def test_the_job_is_scheduled(self) -> None:
        """The scheduler runs it with every other timed job."""
        assert JOB in [job.name for job in load_jobs()]
