"""One person is one casualty per incident: identifying merges or is refused; counts never
double; a casualty belongs to an incident (the open one when none is named)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from medical.conftest import FINDINGS
from muster.db import Database
from muster.incidents.enums import Severity
from muster.incidents.schemas import IncidentCreate
from muster.incidents.service import declare_incident
from muster.people.schemas import PersonCreate
from muster.people.service import create_person
from muster.policy.actor import Actor

MakeClient = Callable[..., TestClient]
SYSTEM = Actor.system("t")


def _person(db: Database, name: str, affiliation: str = "crew") -> str:
    with db.session_scope() as s:
        data = PersonCreate.model_validate({"name": name, "affiliation": affiliation})
        return create_person(s, data=data, actor=SYSTEM).id


def _declare(db: Database, title: str) -> str:
    commander = _person(db, f"Commander of {title}")
    with db.session_scope() as s:
        data = IncidentCreate(
            title=title,
            kind="security",
            severity=Severity.CRITICAL,
            location=title,
            commander_id=commander,
        )
        return declare_incident(s, data=data, actor=SYSTEM).id


def _record(client: TestClient, category: str, **body: Any) -> dict[str, Any]:
    answer = client.post(
        "/api/v1/medical/casualties",
        json={"found_at": "West airlock", "findings": FINDINGS[category], **body},
    )
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


def _total(client: TestClient) -> int:
    total: int = client.get("/api/v1/medical/casualties/counts").json()["total"]
    return total


class TestIdentifyingMerges:
    """An unidentified casualty who is a person already recorded becomes that one casualty."""

    def test_merge_keeps_both_histories_and_counts_once(
        self, db: Database, make_client: MakeClient
    ) -> None:
        """Two records of Warrior 16 become one: the count drops to one, both triages kept."""
        _declare(db, "West airlock")
        medic = make_client("medic")
        warrior = _person(db, "Warrior 16", "visitor")
        known = _record(medic, "delayed", person_id=warrior)
        unknown = _record(medic, "immediate", description="warrior, abdominal wound")
        assert _total(medic) == 2
        merged = medic.patch(
            f"/api/v1/medical/casualties/{unknown['id']}", json={"person_id": warrior}
        )
        assert merged.status_code == 200, merged.text
        body = merged.json()
        assert body["id"] == known["id"]
        assert [h["category"] for h in body["history"]] == ["delayed", "immediate"]
        assert body["triage"] == "immediate"
        counts = medic.get("/api/v1/medical/casualties/counts").json()
        assert counts["total"] == 1
        assert counts["by_side"]["unknown"]["immediate"] == 0
        assert counts["by_side"]["visiting"]["immediate"] == 1
        listed = medic.get("/api/v1/medical/casualties").json()
        assert [c["id"] for c in listed["items"]] == [known["id"]]
        # The FHIR export: one emergency encounter, both triages as its Observations.
        bundle = medic.get("/api/v1/medical/fhir").json()
        resources = [e["resource"] for e in bundle["entry"]]
        encounters = [
            r
            for r in resources
            if r["resourceType"] == "Encounter" and r["class"]["code"] == "EMER"
        ]
        assert [r["id"] for r in encounters] == [known["id"]]
        observed = [
            o["valueCodeableConcept"]["coding"][0]["code"]
            for o in resources
            if o["resourceType"] == "Observation"
            and o["encounter"]["reference"].endswith(known["id"])
        ]
        assert observed == ["delayed", "immediate"]
        again = medic.post(
            f"/api/v1/medical/casualties/{unknown['id']}/triage",
            json={"findings": FINDINGS["minor"]},
        )
        assert again.status_code == 409, again.text
        assert f"C-{known['number']}" in again.json()["detail"]

    def test_admission_follows_the_merge(self, db: Database, make_client: MakeClient) -> None:
        """The unidentified casualty's admission becomes the person's."""
        _declare(db, "West airlock")
        medic = make_client("medic")
        warrior = _person(db, "Warrior 17", "visitor")
        _record(medic, "delayed", person_id=warrior)
        unknown = _record(medic, "immediate", description="warrior, leg wound")
        admitted = medic.post(
            "/api/v1/medical/admissions", json={"casualty_id": unknown["id"], "condition": "fair"}
        )
        assert admitted.status_code == 201, admitted.text
        medic.patch(f"/api/v1/medical/casualties/{unknown['id']}", json={"person_id": warrior})
        patients = medic.get("/api/v1/medical/board").json()["patients"]
        assert [p["name"] for p in patients] == ["Warrior 17"]

    def test_both_admitted_is_refused(self, db: Database, make_client: MakeClient) -> None:
        """A merge that would put one person in two beds is refused (409); nothing changes."""
        _declare(db, "West airlock")
        medic = make_client("medic")
        warrior = _person(db, "Warrior 18", "visitor")
        known = _record(medic, "delayed", person_id=warrior)
        unknown = _record(medic, "immediate", description="warrior, arm wound")
        for casualty in (known, unknown):
            medic.post(
                "/api/v1/medical/admissions",
                json={"casualty_id": casualty["id"], "condition": "fair"},
            )
        answer = medic.patch(
            f"/api/v1/medical/casualties/{unknown['id']}", json={"person_id": warrior}
        )
        assert answer.status_code == 409, answer.text
        assert "both admitted" in answer.json()["detail"]
        assert _total(medic) == 2

    def test_person_recorded_twice_is_refused(self, db: Database, make_client: MakeClient) -> None:
        """Recording a person already a casualty of the incident is 409: re-triage instead."""
        _declare(db, "West airlock")
        medic = make_client("medic")
        ken = _person(db, "Ken")
        _record(medic, "delayed", person_id=ken)
        answer = medic.post(
            "/api/v1/medical/casualties",
            json={"found_at": "West", "findings": FINDINGS["minor"], "person_id": ken},
        )
        assert answer.status_code == 409, answer.text
        assert _total(medic) == 1

    def test_other_incident_is_a_new_casualty(self, db: Database, make_client: MakeClient) -> None:
        """Identifying a casualty of another incident links it; there is nothing to merge."""
        first = _declare(db, "West airlock")
        medic = make_client("medic")
        ken = _person(db, "Ken")
        _record(medic, "delayed", person_id=ken, incident_id=first)
        second = _declare(db, "South airlock")
        unknown = _record(medic, "minor", description="crew, no badge", incident_id=second)
        answer = medic.patch(f"/api/v1/medical/casualties/{unknown['id']}", json={"person_id": ken})
        assert answer.status_code == 200, answer.text
        assert answer.json()["id"] == unknown["id"]
        assert _total(medic) == 2


class TestCasualtyBelongsToAnIncident:
    """A casualty recorded without an incident joins the open one, or is refused."""

    def test_attached_to_the_open_incident(self, db: Database, make_client: MakeClient) -> None:
        """With one incident open, the casualty is counted in it."""
        incident = _declare(db, "West airlock")
        medic = make_client("medic")
        made = _record(medic, "minor", description="adult")
        assert made["incident_id"] == incident
        counts = medic.get("/api/v1/medical/casualties/counts", params={"incident_id": incident})
        assert counts.json()["total"] == 1

    def test_refused_with_no_incident_open(self, make_client: MakeClient) -> None:
        """With no incident open, recording is refused (409) with what to do."""
        answer = make_client("officer").post(
            "/api/v1/medical/casualties",
            json={"found_at": "West", "findings": FINDINGS["minor"], "description": "adult"},
        )
        assert answer.status_code == 409, answer.text
        assert "declare the incident" in answer.json()["detail"]

    def test_several_open_must_be_named(self, db: Database, make_client: MakeClient) -> None:
        """With two incidents open, the incident must be named (422)."""
        _declare(db, "West airlock")
        _declare(db, "South airlock")
        answer = make_client("officer").post(
            "/api/v1/medical/casualties",
            json={"found_at": "West", "findings": FINDINGS["minor"], "description": "adult"},
        )
        assert answer.status_code == 422, answer.text
        assert "name the incident" in answer.json()["detail"]
