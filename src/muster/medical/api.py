"""Casualties, the hospital, screenings, medical holds and FHIR export over HTTP.

Clinical details (who, injuries, triage history, screening results) go only to operators
the policy lets see them (``medical.clinical``); everyone else gets counts.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from muster.access import holds
from muster.access.hold_views import sees_clinical
from muster.access.holds import confirm_medical_hold
from muster.medical import casualties, flows, hospital
from muster.medical.enums import BedState, Side, Triage
from muster.medical.fhir import export_bundle
from muster.medical.identify import update_casualty
from muster.medical.schemas import (
    AdmissionCreate,
    AdmissionRead,
    BedCreate,
    BedRead,
    BedStateChange,
    CasualtyCounts,
    CasualtyCreate,
    CasualtyDetail,
    CasualtyRead,
    CasualtyUpdate,
    ConditionChange,
    DischargeCreate,
    HoldDecision,
    ScreeningCreate,
    ScreeningRead,
    TransferCreate,
    TriageChange,
    TriageRead,
    WardCreate,
)
from muster.medical.screening import list_screenings
from muster.medical.views import bed_list, hospital_board
from muster.policy.authorize import authorize
from muster.schemas import Page
from muster.web.deps import CurrentActor, PageDep, SessionDep

router = APIRouter(prefix="/api/v1/medical", tags=["medical"])


def _detail(session: SessionDep, casualty_id: str) -> CasualtyDetail:
    row = casualties.get_casualty(session, casualty_id)
    history = [
        TriageRead.model_validate(t) for t in casualties.triage_history(session, casualty_id=row.id)
    ]
    return CasualtyDetail.model_validate(
        {**CasualtyRead.model_validate(row).model_dump(), "history": history}
    )


@router.post("/casualties", status_code=status.HTTP_201_CREATED)
def record_casualty(
    data: CasualtyCreate, session: SessionDep, actor: CurrentActor
) -> dict[str, Any]:
    """Record a casualty; the answer carries clinical details only for medical roles."""
    row = casualties.record_casualty(session, data=data, actor=actor)
    if sees_clinical(actor):
        return _detail(session, row.id).model_dump(mode="json")
    return {"id": row.id, "number": row.number, "side": row.side.value}


@router.get("/casualties/counts")
def read_counts(
    session: SessionDep, actor: CurrentActor, incident_id: str | None = None
) -> CasualtyCounts:
    """Casualties by side and triage category: for every operator."""
    authorize(actor, "medical.counts")
    return casualties.casualty_counts(session, incident_id=incident_id)


@router.get("/casualties")
def read_casualties(
    session: SessionDep,
    actor: CurrentActor,
    page: PageDep,
    incident_id: str | None = None,
    side: Side | None = None,
    triage: Triage | None = None,
) -> Page[CasualtyRead]:
    """Casualties with clinical details: medical roles only."""
    authorize(actor, "medical.clinical")
    rows, total = casualties.list_casualties(
        session,
        incident_id=incident_id,
        side=side,
        triage=triage,
        limit=page.limit,
        offset=page.offset,
    )
    items = [CasualtyRead.model_validate(r) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/casualties/{casualty_id}")
def read_casualty(casualty_id: str, session: SessionDep, actor: CurrentActor) -> CasualtyDetail:
    """One casualty and its triage history: medical roles only."""
    authorize(actor, "medical.clinical")
    return _detail(session, casualty_id)


@router.post("/casualties/{casualty_id}/triage")
def retriage(
    casualty_id: str, data: TriageChange, session: SessionDep, actor: CurrentActor
) -> dict[str, Any]:
    """Re-triage a casualty; the history keeps every category."""
    row = casualties.retriage(session, casualty_id=casualty_id, data=data, actor=actor)
    if sees_clinical(actor):
        return _detail(session, row.id).model_dump(mode="json")
    return {"id": row.id, "number": row.number, "side": row.side.value}


@router.patch("/casualties/{casualty_id}")
def change_casualty(
    casualty_id: str, data: CasualtyUpdate, session: SessionDep, actor: CurrentActor
) -> CasualtyDetail:
    """Care details, or identify the casualty as a registered person: medical roles only.

    Identifying a casualty as a person already recorded in the incident merges the two; the
    answer is then the person's casualty, carrying the history of both.
    """
    row = update_casualty(session, casualty_id=casualty_id, data=data, actor=actor)
    return _detail(session, row.id)


@router.get("/board")
def board(session: SessionDep, actor: CurrentActor) -> dict[str, Any]:
    """The hospital board: counts for everyone, patients for medical roles."""
    return hospital_board(session, actor=actor)


@router.get("/beds")
def read_beds(
    session: SessionDep,
    actor: CurrentActor,
    ward: str | None = None,
    state: BedState | None = None,
) -> list[dict[str, Any]]:
    """Every bed and its state, by ward (id or name); patients only for medical roles."""
    return bed_list(session, ward=ward, state=state, actor=actor)


@router.post("/wards", status_code=status.HTTP_201_CREATED)
def create_ward(data: WardCreate, session: SessionDep, actor: CurrentActor) -> dict[str, str]:
    """Open a ward."""
    ward = hospital.create_ward(session, name=data.name, zone_id=data.zone_id, actor=actor)
    return {"id": ward.id, "name": ward.name}


@router.post("/wards/{ward_id}/beds", status_code=status.HTTP_201_CREATED)
def add_beds(
    ward_id: str, data: BedCreate, session: SessionDep, actor: CurrentActor
) -> list[BedRead]:
    """Add beds to a ward."""
    beds = hospital.add_beds(session, ward_id=ward_id, labels=data.labels, actor=actor)
    return [BedRead.model_validate(b) for b in beds]


@router.put("/beds/{bed_id}/state")
def set_bed_state(
    bed_id: str, data: BedStateChange, session: SessionDep, actor: CurrentActor
) -> BedRead:
    """Mark a bed available, cleaning or closed."""
    return BedRead.model_validate(
        hospital.set_bed_state(session, bed_id=bed_id, state=data.state, actor=actor)
    )


@router.post("/admissions", status_code=status.HTTP_201_CREATED)
def admit(data: AdmissionCreate, session: SessionDep, actor: CurrentActor) -> AdmissionRead:
    """Admit a person or a casualty."""
    return AdmissionRead.model_validate(hospital.admit(session, data=data, actor=actor))


@router.post("/admissions/{admission_id}/transfer")
def transfer(
    admission_id: str, data: TransferCreate, session: SessionDep, actor: CurrentActor
) -> AdmissionRead:
    """Move a patient to another bed."""
    row = hospital.transfer(
        session,
        admission_id=admission_id,
        bed_id=data.bed_id,
        condition=data.condition,
        actor=actor,
    )
    return AdmissionRead.model_validate(row)


@router.put("/admissions/{admission_id}/condition")
def set_condition(
    admission_id: str, data: ConditionChange, session: SessionDep, actor: CurrentActor
) -> AdmissionRead:
    """Record a patient's condition."""
    row = hospital.set_condition(
        session, admission_id=admission_id, condition=data.condition, actor=actor
    )
    return AdmissionRead.model_validate(row)


@router.post("/admissions/{admission_id}/discharge")
def discharge(
    admission_id: str, data: DischargeCreate, session: SessionDep, actor: CurrentActor
) -> AdmissionRead:
    """Discharge a patient."""
    row = hospital.discharge(
        session, admission_id=admission_id, disposition=data.disposition, actor=actor
    )
    return AdmissionRead.model_validate(row)


@router.post("/screenings", status_code=status.HTTP_201_CREATED)
def record_screening(
    data: ScreeningCreate, session: SessionDep, actor: CurrentActor
) -> dict[str, Any]:
    """Record a screening; a positive result holds the person medically at once."""
    row, holds = flows.screen_person(session, data=data, actor=actor)
    return {
        "screening": ScreeningRead.model_validate(row).model_dump(mode="json"),
        "holds_placed": [h.id for h in holds],
    }


@router.get("/screenings")
def read_screenings(
    session: SessionDep, actor: CurrentActor, page: PageDep, person_id: str | None = None
) -> Page[ScreeningRead]:
    """Screenings with results: medical roles only."""
    authorize(actor, "medical.clinical")
    rows, total = list_screenings(
        session, person_id=person_id, limit=page.limit, offset=page.offset
    )
    items = [ScreeningRead.model_validate(r) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("/holds/{hold_id}/confirm")
def confirm_hold(
    hold_id: str, data: HoldDecision, session: SessionDep, actor: CurrentActor
) -> dict[str, str]:
    """A medic confirms a provisional hold as medical."""
    hold = confirm_medical_hold(session, hold_id=hold_id, reason=data.reason, actor=actor)
    return {"id": hold.id, "kind": hold.kind, "person_id": hold.person_id}


@router.post("/holds/{hold_id}/lift")
def lift_hold(
    hold_id: str, data: HoldDecision, session: SessionDep, actor: CurrentActor
) -> dict[str, str]:
    """A medic lifts a hold, on a clear screening taken after it was placed."""
    hold = holds.lift_hold(session, hold_id=hold_id, reason=data.reason, actor=actor)
    return {"id": hold.id, "kind": hold.kind, "person_id": hold.person_id}


@router.get(
    "/fhir",
    response_class=Response,
    responses={200: {"content": {"application/fhir+json": {}}, "description": "FHIR Bundle"}},
)
def fhir_bundle(session: SessionDep, actor: CurrentActor) -> Response:
    """Casualties and admissions as an HL7 FHIR (R4B) Bundle: medical roles only."""
    authorize(actor, "medical.export")
    return Response(export_bundle(session).model_dump_json(), media_type="application/fhir+json")
