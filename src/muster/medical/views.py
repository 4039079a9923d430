"""What each operator may see of medical records: clinical details for medics, counts for all."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from muster.access.hold_views import sees_clinical
from muster.medical.casualties import casualty_counts
from muster.medical.enums import BedState
from muster.medical.hospital import list_admissions, list_beds, ward_counts
from muster.medical.models import Bed, Ward
from muster.medical.screening import screening_counts
from muster.people.models import Person
from muster.policy.actor import Actor
from muster.policy.authorize import authorize


def hospital_board(session: Session, *, actor: Actor) -> dict[str, Any]:
    """The hospital board: beds and patients by ward for all; who and how only for medics."""
    authorize(actor, "medical.counts")
    board: dict[str, Any] = {
        "wards": [
            {"ward_id": w.ward_id, "name": w.name, "beds": w.beds, "patients": w.patients}
            for w in ward_counts(session)
        ],
        "casualties": casualty_counts(session).model_dump(),
        "screenings": screening_counts(session),
        "clinical": False,
    }
    if not sees_clinical(actor):
        return board
    rows, _total = list_admissions(session, current_only=True, limit=1000)
    patients = []
    for admission in rows:
        bed = session.get(Bed, admission.bed_id) if admission.bed_id else None
        ward = session.get(Ward, bed.ward_id) if bed else None
        person = session.get(Person, admission.person_id) if admission.person_id else None
        patients.append(
            {
                "admission_id": admission.id,
                "person_id": admission.person_id,
                "name": person.name if person else "unidentified",
                "casualty_id": admission.casualty_id,
                "ward": ward.name if ward else "",
                "bed": bed.label if bed else "",
                "condition": admission.condition.value,
                "reason": admission.reason,
                "admitted_at": admission.admitted_at.isoformat(),
            }
        )
    board["clinical"] = True
    board["patients"] = patients
    return board


def bed_list(
    session: Session,
    *,
    ward: str | None = None,
    state: BedState | None = None,
    actor: Actor,
) -> list[dict[str, Any]]:
    """Every bed with its state for all operators; who lies in it only for medical roles."""
    authorize(actor, "medical.counts")
    clinical = sees_clinical(actor)
    rows = []
    for bed, ward_row, admission in list_beds(session, ward_id=ward, state=state):
        row: dict[str, Any] = {
            "id": bed.id,
            "ward_id": ward_row.id,
            "ward": ward_row.name,
            "label": bed.label,
            "state": bed.state.value,
        }
        if clinical:
            person = (
                session.get(Person, admission.person_id)
                if admission and admission.person_id
                else None
            )
            row["admission_id"] = admission.id if admission else None
            row["patient"] = (person.name if person else "unidentified") if admission else None
            row["condition"] = admission.condition.value if admission else None
        rows.append(row)
    return rows
