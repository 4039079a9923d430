"""The medical API: clinical details for medical roles only, counts for everyone, FHIR."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle

from medical.conftest import FINDINGS
from muster.db import Database
from muster.incidents.enums import Severity
from muster.incidents.schemas import IncidentCreate
from muster.incidents.service import declare_incident
from muster.medical.hospital import add_beds, create_ward
from muster.people.enums import Affiliation
from muster.people.schemas import PersonCreate
from muster.people.service import create_person
from muster.policy.actor import Actor

MakeClient = Callable[..., TestClient]


def _person(db: Database, name: str, affiliation: Affiliation) -> str:
    with db.session_scope() as s:
        return create_person(
            s, data=PersonCreate(name=name, affiliation=affiliation), actor=Actor.system("t")
        ).id


@pytest.fixture(autouse=True)
def open_incident(db: Database) -> str:
    """The incident the casualties here belong to."""
    commander = _person(db, "Commander", Affiliation.CREW)
    with db.session_scope() as s:
        data = IncidentCreate(
            title="West airlock",
            kind="security",
            severity=Severity.CRITICAL,
            location="West airlock",
            commander_id=commander,
        )
        return declare_incident(s, data=data, actor=Actor.system("t")).id


class TestClinicalPermissions:
    """Only medical roles see clinical details; others get counts."""

    def test_officer_records_but_sees_only_counts(
        self, db: Database, make_client: MakeClient
    ) -> None:
        """An officer may record a casualty but reads no clinical detail back."""
        officer = make_client("officer")
        person_id = _person(db, "Guard One", Affiliation.CREW)
        answer = officer.post(
            "/api/v1/medical/casualties",
            json={
                "person_id": person_id,
                "findings": FINDINGS["immediate"],
                "found_at": "West airlock",
                "injuries": "blade wound, left arm",
            },
        )
        assert answer.status_code == 201, answer.text
        assert "injuries" not in answer.json()
        assert officer.get("/api/v1/medical/casualties").status_code == 403
        cid = answer.json()["id"]
        assert officer.get(f"/api/v1/medical/casualties/{cid}").status_code == 403
        counts = officer.get("/api/v1/medical/casualties/counts").json()
        assert counts["by_side"]["station"]["immediate"] == 1
        board = officer.get("/api/v1/medical/board").json()
        assert board["clinical"] is False
        assert "patients" not in board

    def test_admin_is_not_medical(self, client: TestClient) -> None:
        """An administrator account is not medical staff and is refused clinical lists."""
        assert client.get("/api/v1/medical/casualties").status_code == 403
        assert client.get("/api/v1/medical/screenings").status_code == 403

    def test_medic_sees_details_and_history(self, db: Database, make_client: MakeClient) -> None:
        """A medic reads injuries and the triage history, and the board lists patients."""
        medic = make_client("medic")
        person_id = _person(db, "Warrior Two", Affiliation.VISITOR)
        made = medic.post(
            "/api/v1/medical/casualties",
            json={
                "person_id": person_id,
                "findings": FINDINGS["delayed"],
                "found_at": "West airlock",
                "injuries": "laceration",
            },
        ).json()
        medic.post(
            f"/api/v1/medical/casualties/{made['id']}/triage",
            json={"findings": FINDINGS["immediate"], "note": "bleeding again"},
        )
        detail = medic.get(f"/api/v1/medical/casualties/{made['id']}").json()
        assert detail["injuries"] == "laceration"
        assert [h["category"] for h in detail["history"]] == ["delayed", "immediate"]
        ward = medic.post("/api/v1/medical/wards", json={"name": "Trauma"}).json()
        bed = medic.post(f"/api/v1/medical/wards/{ward['id']}/beds", json={"labels": ["T1"]}).json()
        admitted = medic.post(
            "/api/v1/medical/admissions",
            json={"casualty_id": made["id"], "bed_id": bed[0]["id"], "condition": "critical"},
        )
        assert admitted.status_code == 201, admitted.text
        board = medic.get("/api/v1/medical/board").json()
        assert board["patients"][0]["name"] == "Warrior Two"
        assert board["wards"][0]["beds"]["occupied"] == 1

    def test_observer_may_not_record(self, make_client: MakeClient) -> None:
        """An observer may not record casualties."""
        observer = make_client("observer")
        answer = observer.post(
            "/api/v1/medical/casualties",
            json={
                "description": "unknown adult",
                "findings": FINDINGS["minor"],
                "found_at": "West",
            },
        )
        assert answer.status_code == 403


class TestFhirExport:
    """The FHIR export is a Bundle that fhir.resources validates."""

    def test_bundle_validates_and_holds_resources(
        self, db: Database, make_client: MakeClient
    ) -> None:
        """Patient, Encounter with priority, Observation and Flag come back valid."""
        medic = make_client("medic")
        person_id = _person(db, "Resident Lin", Affiliation.RESIDENT)
        made = medic.post(
            "/api/v1/medical/casualties",
            json={"person_id": person_id, "findings": FINDINGS["immediate"], "found_at": "West"},
        ).json()
        medic.post(
            "/api/v1/medical/casualties",
            json={
                "description": "visitor, red sash",
                "findings": FINDINGS["deceased"],
                "found_at": "West",
            },
        )
        medic.post(
            "/api/v1/medical/screenings",
            json={
                "person_id": person_id,
                "kind": "nanite",
                "result": "positive",
                "method": "blood panel",
            },
        )
        medic.post(
            "/api/v1/medical/admissions", json={"casualty_id": made["id"], "condition": "serious"}
        )
        answer = medic.get("/api/v1/medical/fhir")
        assert answer.status_code == 200
        bundle = Bundle.model_validate_json(answer.text)
        kinds = sorted(e.resource.get_resource_type() for e in bundle.entry or [])
        assert kinds.count("Patient") == 2
        assert kinds.count("Encounter") == 3
        assert kinds.count("Observation") == 2
        assert kinds.count("Flag") == 1
        urls = [e.fullUrl for e in bundle.entry or []]
        assert len(urls) == len(set(urls))
        priorities = [
            e.resource.priority.coding[0].code
            for e in bundle.entry or []
            if e.resource.get_resource_type() == "Encounter"
            and e.resource.priority
            and e.resource.priority.coding
        ]
        assert priorities == ["EM"]

    def test_content_type_is_documented(self, make_client: MakeClient) -> None:
        """The export answers application/fhir+json, as the OpenAPI document says."""
        medic = make_client("medic")
        answer = medic.get("/api/v1/medical/fhir")
        assert answer.headers["content-type"] == "application/fhir+json"
        documented = medic.get("/openapi.json").json()["paths"]["/api/v1/medical/fhir"]
        assert "application/fhir+json" in documented["get"]["responses"]["200"]["content"]

    def test_export_refused_to_non_medical(self, make_client: MakeClient) -> None:
        """The commander is refused the clinical export."""
        assert make_client("commander").get("/api/v1/medical/fhir").status_code == 403


class TestAdmitByTag:
    """The hospital admits a casualty nobody has named yet by its tag number."""

    def test_admit_an_unidentified_casualty_by_tag(
        self, db: Database, make_client: MakeClient
    ) -> None:
        """A casualty with no name is admitted by its tag; a second admission is refused."""
        with db.session_scope() as s:
            ward = create_ward(s, name="Trauma", actor=Actor.system("t"))
            made = add_beds(s, ward_id=ward.id, labels=["T1", "T2"], actor=Actor.system("t"))
            beds = {b.label: b.id for b in made}
        medic = make_client("medic")
        found = medic.post(
            "/api/v1/medical/casualties",
            json={
                "description": "Unknown man",
                "found_at": "West airlock",
                "triage": "delayed",
                "reason": "Broken leg, seen from the door",
            },
        )
        assert found.status_code == 201, found.text
        tag = f"C-{found.json()['number']}"
        for bed, code in (("T1", 201), ("T2", 409)):
            answer = medic.post(
                "/api/v1/medical/admissions",
                json={"casualty_id": tag, "bed_id": beds[bed], "condition": "serious"},
            )
            assert answer.status_code == code, answer.text
        assert "already admitted" in answer.json()["detail"]
        listed = medic.get("/api/v1/medical/beds").json()
        assert [(b["label"], b["patient"]) for b in listed] == [
            ("T1", "unidentified"),
            ("T2", None),
        ]
