"""A term past its due date with no evidence raises one alert, from the timed job."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from muster import clock
from muster.agreements.overdue import run_overdue_terms
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

    def test_two_nodes_at_once_alert_once(
        self, db: Database, client: TestClient, agreement: dict[str, object]
    ) -> None:
        """Two nodes' jobs in overlapping transactions (no scheduler lock between them): the
        first claims the term; the second, started before the first commits, alerts nothing."""
        first = db.write_session()
        found: dict[str, int] = {}

        def other_node() -> None:
            with db.session_scope() as session:
                found["alerted"] = run_overdue_terms(session, now=clock.now())

        node = threading.Thread(target=other_node)
        try:
            assert run_overdue_terms(first, now=clock.now()) == 1  # claimed, not committed
            node.start()
            if not db.is_sqlite:
                _until_waiting_on_a_lock(db)  # the other node is at the claimed row
            first.commit()
        finally:
            first.close()
            node.join()
        assert found == {"alerted": 0}
        assert len(_alerts(client)) == 1


def _until_waiting_on_a_lock(db: Database) -> None:
    """Return once another session of this database waits on a lock (PostgreSQL)."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with db.session_scope(write=False) as session:
            if session.execute(query).scalar():
                return
        time.sleep(0.01)
    raise AssertionError("the other node never reached the claimed term")
