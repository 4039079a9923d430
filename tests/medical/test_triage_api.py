"""Triage over the API: computed from the findings, explained, overridden only by a medic
with a reason, re-triaged with the history kept, and every triage in the FHIR export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle

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


def _person(db: Database, name: str, **extra: Any) -> str:
    with db.session_scope() as s:
        data = PersonCreate.model_validate({"name": name, "affiliation": "crew", **extra})
        return create_person(s, data=data, actor=SYSTEM).id


@pytest.fixture
def incident_id(db: Database) -> str:
    """One open incident: casualties recorded without naming one belong to it."""
    commander = _person(db, "John")
    with db.session_scope() as s:
        data = IncidentCreate(
            title="West airlock",
            kind="security",
            severity=Severity.CRITICAL,
            location="West airlock",
            commander_id=commander,
        )
        return declare_incident(s, data=data, actor=SYSTEM).id


def _record(client: TestClient, **body: Any) -> Any:
    return client.post("/api/v1/medical/casualties", json={"found_at": "West airlock", **body})


class TestComputedCategory:
    """The category comes from the findings, with the rule that decided."""

    def test_officer_records_findings(
        self, db: Database, make_client: MakeClient, incident_id: str
    ) -> None:
        """An officer at the scene records findings; the medic reads the rule and its words."""
        officer, medic = make_client("officer"), make_client("medic")
        ken = _person(db, "Ken")
        made = _record(officer, person_id=ken, findings=FINDINGS["immediate"])
        assert made.status_code == 201, made.text
        detail = medic.get(f"/api/v1/medical/casualties/{made.json()['id']}").json()
        assert detail["triage"] == "immediate"
        assert detail["incident_id"] == incident_id
        [first] = detail["history"]
        assert first["computed"] == "immediate"
        assert first["rule"] == "start.respirations"
        assert "respiratory rate 34/min" in first["explanation"]
        assert first["findings"]["respiratory_rate"] == 34

    def test_missing_finding_is_422(self, make_client: MakeClient, incident_id: str) -> None:
        """Findings that stop short of a decision are refused, naming what to record."""
        answer = _record(
            make_client("officer"),
            description="adult, no badge",
            findings={"walks": False, "breathing": True},
        )
        assert answer.status_code == 422, answer.text
        assert "respiratory_rate" in answer.json()["detail"]

    def test_child_by_date_of_birth(
        self, db: Database, make_client: MakeClient, incident_id: str
    ) -> None:
        """A child born six years ago is triaged by JumpSTART: 12 breaths a minute is immediate."""
        born = date.today().replace(year=date.today().year - 6, day=1)
        child = _person(db, "Mika", date_of_birth=born.isoformat())
        found = {"walks": False, "breathing": True, "respiratory_rate": 12, "radial_pulse": True}
        medic = make_client("medic")
        made = _record(medic, person_id=child, findings={**found, "avpu": "alert"}).json()
        assert made["triage"] == "immediate"
        assert made["history"][0]["algorithm"] == "JumpSTART"
        adult = _record(
            medic, person_id=_person(db, "Aino"), findings={**found, "obeys_commands": True}
        )
        assert adult.json()["triage"] == "delayed"

    def test_unidentified_child_by_recorded_age(
        self, make_client: MakeClient, incident_id: str
    ) -> None:
        """An unidentified child's age as judged at the scene picks JumpSTART."""
        made = _record(
            make_client("medic"),
            description="small child, blue overalls",
            age_years=4,
            findings={"walks": False, "breathing": False, "breathing_after_airway": True},
        ).json()
        assert made["history"][0]["rule"] == "jumpstart.airway"


class TestOverride:
    """Only a medic sets a category over the findings, and only with a reason."""

    def test_officer_may_not_override(self, make_client: MakeClient, incident_id: str) -> None:
        """An officer giving a category other than the findings' is refused (403)."""
        answer = _record(
            make_client("officer"),
            description="adult, no badge",
            findings=FINDINGS["minor"],
            triage="immediate",
            reason="looks bad",
        )
        assert answer.status_code == 403, answer.text

    def test_officer_may_not_set_a_category_without_findings(
        self, make_client: MakeClient, incident_id: str
    ) -> None:
        """A bare category is an override too: refused to an officer."""
        answer = _record(make_client("officer"), description="adult", triage="deceased")
        assert answer.status_code == 403, answer.text

    def test_medic_needs_a_reason(self, make_client: MakeClient, incident_id: str) -> None:
        """A medic's override without a reason gets 422 naming the category the findings give."""
        answer = _record(
            make_client("medic"),
            description="adult",
            findings=FINDINGS["minor"],
            triage="immediate",
        )
        assert answer.status_code == 422, answer.text
        assert "the findings give minor" in answer.json()["detail"]

    def test_medic_overrides_with_a_reason(self, make_client: MakeClient, incident_id: str) -> None:
        """The override stands beside what the findings gave, with the medic's reason."""
        made = _record(
            make_client("medic"),
            description="adult",
            findings=FINDINGS["minor"],
            triage="immediate",
            reason="walking, but a penetrating chest wound",
        ).json()
        [first] = made["history"]
        assert (made["triage"], first["computed"]) == ("immediate", "minor")
        assert first["override_reason"] == "walking, but a penetrating chest wound"

    def test_agreeing_category_is_no_override(
        self, make_client: MakeClient, incident_id: str
    ) -> None:
        """An officer naming the category the findings give needs no reason."""
        answer = _record(
            make_client("officer"),
            description="adult",
            findings=FINDINGS["delayed"],
            triage="delayed",
        )
        assert answer.status_code == 201, answer.text


class TestRetriageAndExport:
    """Re-triage adds to the history; the FHIR export carries every triage."""

    def test_history_and_observations(
        self, db: Database, make_client: MakeClient, incident_id: str
    ) -> None:
        """Three triages: three entries in the history and three Observations, in order."""
        medic = make_client("medic")
        made = _record(medic, person_id=_person(db, "Lin"), findings=FINDINGS["delayed"]).json()
        url = f"/api/v1/medical/casualties/{made['id']}/triage"
        worse = medic.post(url, json={"findings": FINDINGS["immediate"], "note": "worse"})
        assert worse.status_code == 200, worse.text
        again = medic.post(url, json={"triage": "expectant", "reason": "no surgeon free"})
        assert again.status_code == 200, again.text
        history = medic.get(f"/api/v1/medical/casualties/{made['id']}").json()["history"]
        assert [h["category"] for h in history] == ["delayed", "immediate", "expectant"]
        bundle = Bundle.model_validate_json(medic.get("/api/v1/medical/fhir").text)
        observations = [
            e.resource
            for e in bundle.entry or []
            if e.resource.get_resource_type() == "Observation"
        ]
        values = [o.valueCodeableConcept.coding[0].code for o in observations]
        assert values == ["delayed", "immediate", "expectant"]
        assert {o.encounter.reference for o in observations} == {f"urn:uuid:{made['id']}"}
        rates = [
            c.valueQuantity.value
            for c in observations[1].component or []
            if c.code.coding[0].code == "9279-1"
        ]
        assert rates == [34]
        assert "no surgeon free" in observations[2].note[0].text

    def test_officer_may_not_retriage_over_findings(
        self, db: Database, make_client: MakeClient, incident_id: str
    ) -> None:
        """An officer re-triages from findings but may not set a bare category."""
        officer = make_client("officer")
        made = _record(officer, person_id=_person(db, "Lin"), findings=FINDINGS["delayed"])
        url = f"/api/v1/medical/casualties/{made.json()['id']}/triage"
        refused = officer.post(url, json={"triage": "minor", "reason": "better"})
        assert refused.status_code == 403, refused.text
        assert officer.post(url, json={"findings": FINDINGS["minor"]}).status_code == 200
