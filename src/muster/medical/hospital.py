"""The hospital: wards and beds, admissions, transfers, discharges, and the board."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster import clock
from muster.errors import Conflict, Invalid, NotFound
from muster.events.service import append_event
from muster.medical.casualties import find_casualty
from muster.medical.enums import BedState, Condition
from muster.medical.models import Admission, Bed, Casualty, Ward
from muster.medical.schemas import AdmissionCreate
from muster.people.service import find_person
from muster.policy.actor import Actor
from muster.policy.authorize import authorize

MANAGE = "hospital.manage"
E = TypeVar("E", bound=StrEnum)


def _one_of(kind: type[E], value: E | str, what: str) -> E:
    """``value`` as one of ``kind``'s members, or Invalid naming the choices. Read after the
    caller is authorized: a form's raw text is checked here, not in the page."""
    if isinstance(value, kind):
        return value
    if value not in {m.value for m in kind}:
        choices = ", ".join(m.value for m in kind)
        raise Invalid(f"unknown {what} {value!r}; choose one of {choices}")
    return kind(value)


def create_ward(session: Session, *, name: str, zone_id: str | None = None, actor: Actor) -> Ward:
    """Add a ward to the hospital."""
    authorize(actor, MANAGE)
    if session.scalar(select(Ward.id).where(Ward.name == name)):
        raise Conflict(f"a ward named {name!r} exists already")
    ward = Ward(name=name, zone_id=zone_id, created_at=clock.now())
    session.add(ward)
    session.flush()
    append_event(
        session,
        kind="medical.ward.created",
        actor=actor,
        subjects=[ward.id, zone_id or ""],
        payload={"summary": f"Ward {name} opened."},
    )
    return ward


def find_ward(session: Session, ref: str) -> Ward:
    """The ward with this id or name."""
    ward = session.get(Ward, ref) or session.scalar(select(Ward).where(Ward.name == ref))
    if ward is None:
        raise NotFound(f"no ward with id or name {ref!r}")
    return ward


def add_beds(session: Session, *, ward_id: str, labels: list[str], actor: Actor) -> list[Bed]:
    """Add beds, available, to a ward."""
    authorize(actor, MANAGE)
    ward = find_ward(session, ward_id)
    taken = set(session.scalars(select(Bed.label).where(Bed.ward_id == ward.id)).all())
    clash = sorted(taken.intersection(labels))
    if clash or len(set(labels)) != len(labels):
        raise Conflict(
            f"bed labels must be unique in ward {ward.name}; repeated: {clash or labels}"
        )
    at = clock.now()
    beds = [
        Bed(ward_id=ward.id, label=label, state=BedState.AVAILABLE, updated_at=at)
        for label in labels
    ]
    session.add_all(beds)
    session.flush()
    append_event(
        session,
        kind="medical.beds.added",
        actor=actor,
        subjects=[ward.id],
        payload={"summary": f"{len(beds)} bed(s) added to ward {ward.name}.", "labels": labels},
    )
    return beds


def get_bed(session: Session, bed_id: str) -> Bed:
    """The bed with this id."""
    bed = session.get(Bed, bed_id)
    if bed is None:
        raise NotFound(f"no bed with id {bed_id!r}; see the hospital board")
    return bed


def find_bed(session: Session, ref: str) -> Bed:
    """The bed with this id, or ``Ward/label``."""
    bed = session.get(Bed, ref)
    if bed is None and "/" in ref:
        ward_ref, label = ref.rsplit("/", 1)
        ward = find_ward(session, ward_ref)
        bed = session.scalar(select(Bed).where(Bed.ward_id == ward.id, Bed.label == label))
    if bed is None:
        raise NotFound(f"no bed {ref!r}; give its id or 'Ward/label'")
    return bed


def _occupant(session: Session, bed_id: str) -> Admission | None:
    return session.scalar(
        select(Admission).where(Admission.bed_id == bed_id, Admission.discharged_at.is_(None))
    )


def set_bed_state(session: Session, *, bed_id: str, state: BedState | str, actor: Actor) -> Bed:
    """Mark a bed available, being cleaned or closed (occupancy follows admissions)."""
    authorize(actor, MANAGE)
    state = _one_of(BedState, state, "bed state")
    bed = get_bed(session, bed_id)
    if state is BedState.OCCUPIED:
        raise Invalid("a bed becomes occupied by admitting or transferring a patient to it")
    if _occupant(session, bed.id) is not None:
        raise Conflict(f"bed {bed.label} has a patient; transfer or discharge them first")
    if bed.state is not state:
        old = bed.state
        bed.state = state
        bed.updated_at = clock.now()
        append_event(
            session,
            kind="medical.bed.state_changed",
            actor=actor,
            subjects=[bed.id, bed.ward_id],
            payload={"summary": f"Bed {bed.label}: {old.value} to {state.value}."},
        )
    return bed


def _take_bed(session: Session, bed_ref: str) -> Bed:
    bed = find_bed(session, bed_ref)
    if bed.state is not BedState.AVAILABLE:
        raise Conflict(f"bed {bed.label} is {bed.state.value}; choose an available bed")
    bed.state = BedState.OCCUPIED
    bed.updated_at = clock.now()
    return bed


def _release_bed(session: Session, bed_id: str | None) -> None:
    if bed_id is not None:
        bed = get_bed(session, bed_id)
        bed.state = BedState.CLEANING
        bed.updated_at = clock.now()


def admit(
    session: Session, *, data: AdmissionCreate | Mapping[str, Any], actor: Actor
) -> Admission:
    """Admit a person or a casualty (id or tag, ``C-7``), to a bed if one is given; ``data``
    may be a form's raw fields, validated once the caller is authorized."""
    authorize(actor, MANAGE)
    if not isinstance(data, AdmissionCreate):
        data = AdmissionCreate.model_validate(dict(data))
    person_id = data.person_id
    casualty: Casualty | None = None
    if data.casualty_id is not None:
        casualty = find_casualty(session, data.casualty_id)
        if person_id is not None and casualty.person_id not in (None, person_id):
            raise Invalid("the casualty is recorded as another person")
        person_id = person_id or casualty.person_id
    if person_id is not None:
        person_id = find_person(session, person_id).id  # after authorizing: id, badge or name
        if casualty is None:  # the person's casualty record goes into hospital with them
            casualty = session.scalar(
                select(Casualty)
                .where(Casualty.person_id == person_id, Casualty.merged_into_id.is_(None))
                .order_by(Casualty.recorded_at.desc())
            )
    current = session.scalar(
        select(Admission.id).where(
            Admission.discharged_at.is_(None),
            (Admission.person_id == person_id)
            if person_id
            else (Admission.casualty_id == (casualty.id if casualty else None)),
        )
    )
    if current is not None:
        raise Conflict("this patient is already admitted; transfer them instead")
    bed = _take_bed(session, data.bed_id) if data.bed_id else None
    admission = Admission(
        person_id=person_id,
        casualty_id=casualty.id if casualty else None,
        bed_id=bed.id if bed else None,
        condition=data.condition,
        reason=data.reason,
        admitted_at=clock.now(),
        admitted_by=actor.label,
    )
    session.add(admission)
    session.flush()
    append_event(
        session,
        kind="medical.admission.admitted",
        actor=actor,
        subjects=[
            admission.id,
            person_id or "",
            casualty.id if casualty else "",
            bed.id if bed else "",
        ],
        payload={
            "summary": "Patient admitted" + (f" to bed {bed.label}." if bed else "."),
            "condition": data.condition.value,
        },
    )
    return admission


def get_admission(session: Session, admission_id: str) -> Admission:
    """The admission with this id."""
    admission = session.get(Admission, admission_id)
    if admission is None:
        raise NotFound(f"no admission with id {admission_id!r}; see the hospital board")
    return admission


def _current(session: Session, admission_id: str) -> Admission:
    admission = get_admission(session, admission_id)
    if admission.discharged_at is not None:
        raise Conflict("this patient has been discharged; admit them again if they return")
    return admission


def transfer(
    session: Session,
    *,
    admission_id: str,
    bed_id: str,
    condition: Condition | str | None = None,
    actor: Actor,
) -> Admission:
    """Move a patient to another bed; the bed left goes to cleaning."""
    authorize(actor, MANAGE)
    condition = _one_of(Condition, condition, "condition") if condition else None
    admission = _current(session, admission_id)
    if admission.bed_id == find_bed(session, bed_id).id:
        raise Conflict("the patient is already in that bed")
    bed = _take_bed(session, bed_id)
    old = admission.bed_id
    _release_bed(session, old)
    admission.bed_id = bed.id
    if condition is not None:
        admission.condition = condition
    session.flush()
    append_event(
        session,
        kind="medical.admission.transferred",
        actor=actor,
        subjects=[admission.id, admission.person_id or "", old or "", bed.id],
        payload={"summary": f"Patient transferred to bed {bed.label}."},
    )
    return admission


def set_condition(
    session: Session, *, admission_id: str, condition: Condition, actor: Actor
) -> Admission:
    """Record a patient's new condition."""
    authorize(actor, MANAGE)
    admission = _current(session, admission_id)
    if admission.condition is not condition:
        old = admission.condition
        admission.condition = condition
        append_event(
            session,
            kind="medical.admission.condition_changed",
            actor=actor,
            subjects=[admission.id, admission.person_id or ""],
            payload={"from": old.value, "condition": condition.value},
        )
    return admission


def discharge(session: Session, *, admission_id: str, disposition: str, actor: Actor) -> Admission:
    """Discharge a patient, saying where to; their bed goes to cleaning."""
    authorize(actor, MANAGE)
    disposition = disposition.strip()
    if not disposition:
        raise Invalid("say where the patient goes (home, quarters, off station ...)")
    admission = _current(session, admission_id)
    _release_bed(session, admission.bed_id)
    admission.discharged_at = clock.now()
    admission.disposition = disposition
    session.flush()
    append_event(
        session,
        kind="medical.admission.discharged",
        actor=actor,
        subjects=[admission.id, admission.person_id or "", admission.bed_id or ""],
        payload={"summary": "Patient discharged."},
    )
    return admission


def current_admission(session: Session, *, person_id: str, actor: Actor) -> Admission:
    """The person's admission still open, for those who manage the hospital (clinical)."""
    authorize(actor, MANAGE)
    person = find_person(session, person_id)  # id, badge or name, once authorized
    admission = session.scalar(
        select(Admission).where(Admission.person_id == person.id, Admission.discharged_at.is_(None))
    )
    if admission is None:
        raise NotFound("this person is not in hospital now; admit them first")
    return admission


def list_beds(
    session: Session, *, ward_id: str | None = None, state: BedState | None = None
) -> list[tuple[Bed, Ward, Admission | None]]:
    """Beds by ward name and label, each with its ward and its current admission, if any."""
    query = select(Bed, Ward).join(Ward, Ward.id == Bed.ward_id)
    if ward_id is not None:
        query = query.where(Bed.ward_id == find_ward(session, ward_id).id)
    if state is not None:
        query = query.where(Bed.state == state)
    rows = [(bed, ward) for bed, ward in session.execute(query.order_by(Ward.name, Bed.label))]
    current = {
        a.bed_id: a
        for a in session.scalars(
            select(Admission).where(
                Admission.discharged_at.is_(None),
                Admission.bed_id.in_([bed.id for bed, _ward in rows]),
            )
        )
    }
    return [(bed, ward, current.get(bed.id)) for bed, ward in rows]


def list_admissions(
    session: Session, *, current_only: bool = True, limit: int = 200, offset: int = 0
) -> tuple[list[Admission], int]:
    """Admissions, oldest first: only those still in hospital unless ``current_only`` is off."""
    query = select(Admission)
    if current_only:
        query = query.where(Admission.discharged_at.is_(None))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Admission.admitted_at).limit(limit).offset(offset))
    return list(rows.all()), total


@dataclass(frozen=True)
class WardCounts:
    """A ward's beds by state and its patients (counts, for everyone)."""

    ward_id: str
    name: str
    beds: dict[str, int]
    patients: int


def ward_counts(session: Session) -> list[WardCounts]:
    """Every ward's beds by state and how many patients it has, by ward name."""
    wards = list(session.scalars(select(Ward).order_by(Ward.name)).all())
    states = session.execute(
        select(Bed.ward_id, Bed.state, func.count()).group_by(Bed.ward_id, Bed.state)
    ).all()
    patients = dict(
        session.execute(
            select(Bed.ward_id, func.count())
            .join(Admission, Admission.bed_id == Bed.id)
            .where(Admission.discharged_at.is_(None))
            .group_by(Bed.ward_id)
        ).all()
    )
    result = []
    for ward in wards:
        beds = {s.value: 0 for s in BedState}
        for ward_id, state, count in states:
            if ward_id == ward.id:
                beds[BedState(state).value] = count
        result.append(WardCounts(ward.id, ward.name, beds, int(patients.get(ward.id, 0))))
    return result
