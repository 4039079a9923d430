"""Casualties and admissions as an HL7 FHIR Bundle, built and validated by ``fhir.resources``.

Every triage of a casualty is an Observation of its own (the findings as components, the
rule or a medic's reason as notes), so the export carries the whole history.

``fhir.resources`` 8 defaults to R5; its R4B models (FHIR 4.3, wire-compatible with R4 for
Patient, Encounter, Observation, Flag and Bundle) are used here.
"""

from __future__ import annotations

import uuid
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.flag import Flag
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from sqlalchemy import select
from sqlalchemy.orm import Session

from muster import clock
from muster.access.models import Hold
from muster.medical.enums import Triage
from muster.medical.models import Admission, Bed, Casualty, TriageAssessment, Ward
from muster.people.models import Person

SYSTEM = "urn:muster"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
ACT_PRIORITY = "http://terminology.hl7.org/CodeSystem/v3-ActPriority"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
# START categories to encounter priorities; expectant and deceased have no ActPriority code.
PRIORITY = {
    Triage.IMMEDIATE: ("EM", "emergency"),
    Triage.DELAYED: ("UR", "urgent"),
    Triage.MINOR: ("R", "routine"),
}


def derived_id(kind: str, of: str) -> str:
    """A stable UUID for a resource derived from a row (a triage, an unidentified patient)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{SYSTEM}:{kind}:{of}"))


def _ref(kind: str, rid: str) -> dict[str, str]:
    return {"reference": f"urn:uuid:{rid}", "type": kind}


def _patient(person: Person | None, casualty: Casualty | None, pid: str) -> Patient:
    data: dict[str, Any] = {
        "id": pid,
        "identifier": [{"system": f"{SYSTEM}:person", "value": pid}],
        "active": True,
    }
    if person is not None:
        data["name"] = [{"text": person.name}]
        data["deceasedBoolean"] = person.status.value == "deceased"
    elif casualty is not None:
        data["identifier"] = [{"system": f"{SYSTEM}:casualty", "value": f"C-{casualty.number}"}]
        data["text"] = {"status": "generated", "div": _div(f"Unidentified: {casualty.description}")}
    return Patient.model_validate(data)


def _div(text: str) -> str:
    safe = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<div xmlns="http://www.w3.org/1999/xhtml">{safe}</div>'


def _casualty_encounter(c: Casualty, pid: str) -> Encounter:
    data: dict[str, Any] = {
        "id": c.id,
        "status": "finished" if c.triage is Triage.DECEASED else "in-progress",
        "class": {"system": ACT_CODE, "code": "EMER", "display": "emergency"},
        "subject": _ref("Patient", pid),
        "period": {"start": c.recorded_at.isoformat()},
        "identifier": [{"system": f"{SYSTEM}:casualty", "value": f"C-{c.number}"}],
    }
    code = PRIORITY.get(c.triage)
    data["priority"] = (
        {"coding": [{"system": ACT_PRIORITY, "code": code[0], "display": code[1]}]}
        if code
        else {"text": c.triage.value}
    )
    return Encounter.model_validate(data)


def _component(name: str, value: Any) -> dict[str, Any]:
    coding: list[dict[str, str]] = [{"system": f"{SYSTEM}:triage-finding", "code": name}]
    code: dict[str, Any] = {"coding": coding, "text": name}
    if name == "respiratory_rate":
        coding.insert(0, {"system": LOINC, "code": "9279-1", "display": "Respiratory rate"})
        quantity = {"value": value, "unit": "/min", "system": UCUM, "code": "/min"}
        return {"code": code, "valueQuantity": quantity}
    if name == "capillary_refill_seconds":
        quantity = {"value": value, "unit": "s", "system": UCUM, "code": "s"}
        return {"code": code, "valueQuantity": quantity}
    if isinstance(value, bool):
        return {"code": code, "valueBoolean": value}
    return {"code": code, "valueString": str(value)}


def _triage_observation(c: Casualty, t: TriageAssessment, pid: str) -> Observation:
    """One triage: its category, the findings as components, and why (rule or reason)."""
    data: dict[str, Any] = {
        "id": derived_id("triage", t.id),
        "status": "final",
        "category": [{"coding": [{"system": OBS_CATEGORY, "code": "survey"}]}],
        "code": {
            "coding": [{"system": f"{SYSTEM}:code", "code": "start-triage"}],
            "text": f"{t.algorithm or 'START'} triage category",
        },
        "subject": _ref("Patient", pid),
        "encounter": _ref("Encounter", c.id),
        "effectiveDateTime": t.assessed_at.isoformat(),
        "performer": [{"display": t.assessed_by}],
        "valueCodeableConcept": {
            "coding": [{"system": f"{SYSTEM}:start-triage", "code": t.category.value}],
            "text": t.category.value,
        },
        "component": [_component(k, v) for k, v in sorted((t.findings or {}).items())],
    }
    if t.algorithm:
        data["method"] = {"text": f"{t.algorithm}: {t.rule}"}
    notes = [
        x
        for x in (
            t.explanation,
            f"Set by a medic over the findings: {t.override_reason}" if t.override_reason else "",
            t.note,
        )
        if x
    ]
    if notes:
        data["note"] = [{"text": n} for n in notes]
    if not data["component"]:
        del data["component"]
    return Observation.model_validate(data)


def _admission_encounter(a: Admission, pid: str, bed: str) -> Encounter:
    data: dict[str, Any] = {
        "id": a.id,
        "status": "finished" if a.discharged_at else "in-progress",
        "class": {"system": ACT_CODE, "code": "IMP", "display": "inpatient encounter"},
        "subject": _ref("Patient", pid),
        "period": {"start": a.admitted_at.isoformat()}
        | ({"end": a.discharged_at.isoformat()} if a.discharged_at else {}),
    }
    if a.casualty_id:
        data["partOf"] = _ref("Encounter", a.casualty_id)
    if bed:
        data["location"] = [{"location": {"display": bed}}]
    return Encounter.model_validate(data)


def _hold_flag(h: Hold) -> Flag:
    return Flag.model_validate(
        {
            "id": h.id,
            "status": "active",
            "category": [{"text": "medical hold" if h.kind == "medical" else "provisional hold"}],
            "code": {"text": f"{h.kind} hold: {h.reason}"},
            "subject": _ref("Patient", h.person_id),
            "period": {"start": h.placed_at.isoformat()},
        }
    )


def export_bundle(session: Session) -> Bundle:
    """Every casualty and admission, with triage and open holds, as one validated Bundle."""
    resources: list[Any] = []
    patients: dict[str, Patient] = {}

    def patient_id(person_id: str | None, casualty: Casualty | None) -> str:
        pid = person_id or derived_id("patient", casualty.id if casualty else "")
        if pid not in patients:
            person = session.get(Person, person_id) if person_id else None
            patients[pid] = _patient(person, casualty, pid)
        return pid

    merged_out = Casualty.merged_into_id.is_(None)
    for c in session.scalars(select(Casualty).where(merged_out).order_by(Casualty.number)).all():
        pid = patient_id(c.person_id, c)
        history = session.scalars(
            select(TriageAssessment)
            .where(TriageAssessment.casualty_id == c.id)
            .order_by(TriageAssessment.assessed_at)
        ).all()
        resources += [
            _casualty_encounter(c, pid),
            *(_triage_observation(c, t, pid) for t in history),
        ]
    beds = {
        b.id: f"{w.name} {b.label}"
        for b, w in session.execute(select(Bed, Ward).join(Ward, Ward.id == Bed.ward_id)).all()
    }
    for a in session.scalars(select(Admission).order_by(Admission.admitted_at)).all():
        casualty = session.get(Casualty, a.casualty_id) if a.casualty_id else None
        pid = patient_id(a.person_id, casualty)
        resources.append(_admission_encounter(a, pid, beds.get(a.bed_id or "", "")))
    held = select(Hold).where(Hold.lifted_at.is_(None), Hold.person_id.in_(list(patients)))
    resources += [_hold_flag(h) for h in session.scalars(held).all()]
    entries = [
        {"fullUrl": f"urn:uuid:{r.id}", "resource": r.model_dump(mode="json")}
        for r in [*patients.values(), *resources]
    ]
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "timestamp": clock.now().isoformat(),
            "entry": entries,
        }
    )
