"""Casualties on any side: recording, START triage with its history, identification, counts."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster import clock
from muster.errors import Conflict, NotFound
from muster.events.service import append_event
from muster.medical.enums import Side, Triage
from muster.medical.models import Casualty, TriageAssessment
from muster.medical.schemas import CasualtyCounts, CasualtyCreate, CasualtyUpdate
from muster.people.enums import Affiliation, PersonStatus
from muster.people.models import Person
from muster.people.schemas import PersonUpdate
from muster.people.service import get_person, update_person
from muster.policy.actor import Actor
from muster.policy.authorize import authorize

CASUALTY_EVENT_PREFIX = "medical.casualty."


def side_of(person: Person) -> Side:
    """Whose casualty a person is: a visitor is the visiting party's, anyone else the station's."""
    return Side.VISITING if person.affiliation is Affiliation.VISITOR else Side.STATION


def get_casualty(session: Session, casualty_id: str) -> Casualty:
    """The casualty with this id."""
    casualty = session.get(Casualty, casualty_id)
    if casualty is None:
        raise NotFound(f"no casualty with id {casualty_id!r}; list casualties to find it")
    return casualty


def find_casualty(session: Session, ref: str) -> Casualty:
    """The casualty with this id or tag number (``7`` or ``C-7``)."""
    casualty = session.get(Casualty, ref)
    digits = ref.upper().removeprefix("C-")
    if casualty is None and digits.isdigit():
        casualty = session.scalar(select(Casualty).where(Casualty.number == int(digits)))
    if casualty is None:
        raise NotFound(f"no casualty with id or tag {ref!r}")
    return casualty


def _sync_person_status(session: Session, casualty: Casualty, actor: Actor) -> None:
    """A death sets the person's status to deceased; a living casualty is marked injured."""
    if casualty.person_id is None:
        return
    person = get_person(session, casualty.person_id)
    if casualty.triage is Triage.DECEASED:
        wanted = PersonStatus.DECEASED
    elif person.status in (PersonStatus.ACTIVE, PersonStatus.MISSING):
        wanted = PersonStatus.INJURED
    else:
        return
    if person.status is not wanted:
        update_person(session, person_id=person.id, data=PersonUpdate(status=wanted), actor=actor)


def _label(session: Session, casualty: Casualty) -> str:
    if casualty.person_id:
        return f"C-{casualty.number} ({get_person(session, casualty.person_id).name})"
    return f"C-{casualty.number} (unidentified)"


def record_casualty(session: Session, *, data: CasualtyCreate, actor: Actor) -> Casualty:
    """Record a casualty and its first triage; a death sets the person's status."""
    authorize(actor, "casualty.record")
    person = get_person(session, data.person_id) if data.person_id else None
    if data.treated_by_id:
        get_person(session, data.treated_by_id)
    if person is not None:
        same = select(Casualty.number).where(
            Casualty.person_id == person.id,
            Casualty.incident_id.is_(None)
            if data.incident_id is None
            else Casualty.incident_id == data.incident_id,
        )
        known = session.scalar(same)
        if known is not None:
            raise Conflict(f"{person.name} is already casualty C-{known}; re-triage that one")
    at = clock.now()
    number = (session.scalar(select(func.max(Casualty.number))) or 0) + 1
    side = side_of(person) if person is not None else (data.side or Side.UNKNOWN)
    casualty = Casualty(
        number=number,
        incident_id=data.incident_id,
        person_id=person.id if person else None,
        description=data.description,
        side=side,
        triage=data.triage,
        found_at=data.found_at,
        found_zone_id=data.found_zone_id,
        injuries=data.injuries,
        treated_by_id=data.treated_by_id,
        taken_to=data.taken_to,
        recorded_by=actor.label,
        recorded_at=at,
        updated_at=at,
    )
    session.add(casualty)
    session.flush()
    session.add(
        TriageAssessment(
            casualty_id=casualty.id, category=data.triage, assessed_at=at, assessed_by=actor.label
        )
    )
    # Counts only in the payload: the live stream reaches every console, medical or not.
    append_event(
        session,
        kind="medical.casualty.recorded",
        actor=actor,
        subjects=[casualty.id, casualty.person_id or "", data.incident_id or ""],
        payload={
            "summary": f"Casualty C-{number} recorded at {data.found_at}: {side.value} side, "
            f"triage {data.triage.value}.",
            "number": number,
            "side": side.value,
            "triage": data.triage.value,
        },
    )
    _sync_person_status(session, casualty, actor)
    return casualty


def retriage(
    session: Session, *, casualty_id: str, category: Triage, note: str = "", actor: Actor
) -> Casualty:
    """Triage a casualty again; the earlier categories stay in the history."""
    authorize(actor, "casualty.record")
    casualty = find_casualty(session, casualty_id)
    if casualty.triage is Triage.DECEASED:
        raise Conflict(
            f"casualty C-{casualty.number} is recorded as deceased and is not re-triaged"
        )
    previous = casualty.triage
    at = clock.now()
    casualty.triage = category
    casualty.updated_at = at
    session.add(
        TriageAssessment(
            casualty_id=casualty.id,
            category=category,
            assessed_at=at,
            assessed_by=actor.label,
            note=note,
        )
    )
    session.flush()
    append_event(
        session,
        kind="medical.casualty.retriaged",
        actor=actor,
        subjects=[casualty.id, casualty.person_id or "", casualty.incident_id or ""],
        payload={
            "summary": f"Casualty C-{casualty.number} re-triaged from {previous.value} "
            f"to {category.value}.",
            "number": casualty.number,
            "side": casualty.side.value,
            "from": previous.value,
            "triage": category.value,
        },
    )
    _sync_person_status(session, casualty, actor)
    return casualty


def update_casualty(
    session: Session, *, casualty_id: str, data: CasualtyUpdate, actor: Actor
) -> Casualty:
    """Change care details, or identify an unidentified casualty as a registered person."""
    authorize(actor, "medical.clinical")
    casualty = get_casualty(session, casualty_id)
    values = data.model_dump(exclude_unset=True, exclude_none=True)
    if "person_id" in values:
        person = get_person(session, values["person_id"])
        if casualty.person_id not in (None, person.id):
            raise Conflict(f"casualty C-{casualty.number} is already identified")
        values["side"] = side_of(person)
    if "treated_by_id" in values:
        get_person(session, values["treated_by_id"])
    changed = sorted(k for k, v in values.items() if getattr(casualty, k) != v)
    if not changed:
        return casualty
    for field in changed:
        setattr(casualty, field, values[field])
    casualty.updated_at = clock.now()
    session.flush()
    identified = "person_id" in changed
    append_event(
        session,
        kind="medical.casualty.identified" if identified else "medical.casualty.updated",
        actor=actor,
        subjects=[casualty.id, casualty.person_id or "", casualty.incident_id or ""],
        payload={
            "summary": f"Casualty {_label(session, casualty)}: "
            + ("identified." if identified else f"{', '.join(changed)} updated."),
            "number": casualty.number,
            "side": casualty.side.value,
            "fields": changed,
        },
    )
    if identified:
        _sync_person_status(session, casualty, actor)
    return casualty


def triage_history(session: Session, *, casualty_id: str) -> list[TriageAssessment]:
    """Every triage of a casualty, oldest first."""
    query = select(TriageAssessment).where(TriageAssessment.casualty_id == casualty_id)
    return list(session.scalars(query.order_by(TriageAssessment.assessed_at)).all())


def list_casualties(
    session: Session,
    *,
    incident_id: str | None = None,
    side: Side | None = None,
    triage: Triage | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Casualty], int]:
    """Casualties by tag number."""
    query = select(Casualty)
    if incident_id is not None:
        query = query.where(Casualty.incident_id == incident_id)
    if side is not None:
        query = query.where(Casualty.side == side)
    if triage is not None:
        query = query.where(Casualty.triage == triage)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Casualty.number).limit(limit).offset(offset))
    return list(rows.all()), total


def casualty_counts(session: Session, *, incident_id: str | None = None) -> CasualtyCounts:
    """Casualties by side and by current triage category, every cell present (zeros too)."""
    query = select(Casualty.side, Casualty.triage, func.count()).group_by(
        Casualty.side, Casualty.triage
    )
    if incident_id is not None:
        query = query.where(Casualty.incident_id == incident_id)
    by_side = {s.value: {t.value: 0 for t in Triage} for s in Side}
    for side, category, count in session.execute(query).all():
        by_side[Side(side).value][Triage(category).value] = count
    by_category = {t.value: sum(row[t.value] for row in by_side.values()) for t in Triage}
    return CasualtyCounts(total=sum(by_category.values()), by_side=by_side, by_category=by_category)
