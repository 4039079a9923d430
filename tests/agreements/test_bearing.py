"""Evidence bears on its term: each term kind names what can prove it, over HTTP."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from muster.db import Database
from welfare.station import build_station


@dataclass(frozen=True)
class Records:
    """A screening of Lisa, one of Amara, and the agreement's terms by number."""

    lisa_screening: str
    amara_screening: str
    terms: dict[int, str]


TERMS = [
    {"text": "Lisa is returned for evaluation.", "kind": "return", "persons": ["Lisa"]},
    {"text": "The vessel does not leave orbit.", "kind": "orbit"},
    {"text": "A resident stays aboard only by consent.", "kind": "consent"},
    {"text": "The commanders meet daily.", "kind": "general"},
]


@pytest.fixture
def records(db: Database, client: TestClient) -> Records:
    """The welfare test station with two screenings, and an agreement of four terms."""
    with db.session_scope() as session:
        station = build_station(session)
        lisa = station.screen("Lisa", hours_ago=0).id
        amara = station.screen("Amara", hours_ago=0).id
    terms = [
        {**t, "station_owner": "John", "party_owner": "Zane", "recurrence": "standing"}
        for t in TERMS
    ]
    body = {
        "title": "Agreement after the talks",
        "party": "Vessel",
        "signatories": ["John", "Zane"],
        "text": "The commanders agree the terms below.",
        "terms": terms,
    }
    response = client.post("/api/v1/agreements", json=body)
    assert response.status_code == 201, response.text
    by_number = {t["number"]: t["id"] for t in response.json()["terms"]}
    return Records(lisa, amara, by_number)


def _set(client: TestClient, term_id: str, kind: str, ref: str) -> tuple[int, str]:
    body = {"status": "met", "reason": "seen", "evidence": [{"kind": kind, "ref": ref}]}
    response = client.post(f"/api/v1/agreements/terms/{term_id}/status", json=body)
    return response.status_code, response.text


def _term(client: TestClient, term_id: str) -> dict[str, object]:
    detail = client.get("/api/v1/agreements/A-1").json()
    return next(t for t in detail["terms"] if t["id"] == term_id)


def _recorded_seq(client: TestClient) -> str:
    """The event that recorded the agreement: real, and about none of the terms' facts."""
    events = client.get("/api/v1/events", params={"kind": "agreements.agreement.recorded"})
    return str(events.json()["items"][0]["seq"])


class TestUnrelatedEvidenceRefused:
    """Evidence that does not bear on the term is 422, and the term stays as it was."""

    def test_an_unrelated_event_does_not_return_anyone(
        self, client: TestClient, records: Records
    ) -> None:
        """The agreement's own recording is no proof that Lisa is back."""
        status, text = _set(client, records.terms[1], "event", _recorded_seq(client))
        assert status == 422, text
        assert "passages" in text
        term = _term(client, records.terms[1])
        assert (term["status"], term["evidence"]) == ("pending", [])

    def test_someone_elses_screening_does_not_return_lisa(
        self, client: TestClient, records: Records
    ) -> None:
        """A screening of Amara, or Amara herself, is not about the person to be returned."""
        status, _ = _set(client, records.terms[1], "record", f"screening:{records.amara_screening}")
        assert status == 422
        assert _set(client, records.terms[1], "person", "Amara")[0] == 422
        assert _term(client, records.terms[1])["status"] == "pending"

    def test_a_screening_says_nothing_about_orbit(
        self, client: TestClient, records: Records
    ) -> None:
        """The orbit term takes the vessel watch's events only: no screening, no person."""
        status, text = _set(
            client, records.terms[2], "record", f"screening:{records.lisa_screening}"
        )
        assert status == 422
        assert "vessel watch" in text
        assert _set(client, records.terms[2], "person", "Zane")[0] == 422


class TestBearingEvidenceAccepted:
    """Evidence of the kinds a term names changes its status."""

    def test_lisas_screening_bears_on_consent(self, client: TestClient, records: Records) -> None:
        """A screening is evidence for the consent term."""
        status, text = _set(
            client, records.terms[3], "record", f"screening:{records.lisa_screening}"
        )
        assert status == 200, text
        assert _term(client, records.terms[3])["status"] == "met"

    def test_a_general_term_is_judged_on_any_record(
        self, client: TestClient, records: Records
    ) -> None:
        """A general term rests on whatever the officers point to."""
        status, text = _set(client, records.terms[4], "event", _recorded_seq(client))
        assert status == 200, text
