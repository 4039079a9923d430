"""Casualties on any side: recording, START triage with its history, identification, counts."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster import clock
from muster.db import new_id
from muster.errors import Conflict, Invalid, NotFound
from muster.events.service import append_event
from muster.incidents.enums import IncidentStatus
from muster.incidents.models import Incident
from muster.incidents.service import find_incident
from muster.medical.enums import Side, Triage
from muster.medical.models import Casualty, TriageAssessment
from muster.medical.schemas import CasualtyCounts, CasualtyCreate, TriageChange, TriageInput
from muster.medical.triage import TriageResult, age_on, triage
from muster.people.enums import Affiliation, PersonStatus
from muster.people.models import Person
from muster.people.schemas import PersonUpdate
from muster.people.service import find_person, get_person, update_person
from muster.policy.actor import Actor
from muster.policy.authorize import authorize
from muster.schemas import number_in

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
    number = number_in(ref, prefix="C-")
    if casualty is None and number is not None:
        casualty = session.scalar(select(Casualty).where(Casualty.number == number))
    if casualty is None:
        raise NotFound(f"no casualty with id or tag {ref!r}")
    return casualty


def sync_person_status(session: Session, casualty: Casualty, actor: Actor) -> None:
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


OVERRIDE = "triage.override"


def _age(session: Session, person: Person | None, age_years: int | None) -> int | None:
    """The casualty's age: from the person's date of birth, else as recorded."""
    if person is not None and person.date_of_birth is not None:
        return age_on(person.date_of_birth, clock.now().date())
    return age_years


def _computed(data: TriageInput, age_years: int | None) -> TriageResult | None:
    """What the findings give; a medic setting the category may record partial findings."""
    if data.findings is None:
        return None
    try:
        return triage(data.findings, age_years=age_years)
    except Invalid:
        if data.triage is None:
            raise
        return None


def _assessment(
    casualty_id: str, data: TriageInput, age_years: int | None, note: str, actor: Actor
) -> TriageAssessment:
    """The triage the findings give; a category over (or without) them needs a medic's reason."""
    result = _computed(data, age_years)
    category = data.triage or (result.category if result else None)
    if category is None:  # the input model requires findings or a category
        raise Invalid("record the triage findings or a category")
    overridden = result is None or category is not result.category
    if overridden:
        authorize(actor, OVERRIDE)
        if not data.reason:
            given = f" the findings give {result.category.value}; " if result else " "
            raise Invalid(
                f"a category set over the findings needs its reason:{given}"
                f"say why it is {category.value}"
            )
    return TriageAssessment(
        casualty_id=casualty_id,
        category=category,
        assessed_at=clock.now(),
        assessed_by=actor.label,
        note=note,
        findings=data.findings.model_dump(exclude_none=True) if data.findings else None,
        algorithm=result.algorithm if result else "",
        computed=result.category if result else None,
        rule=result.rule if result else "",
        explanation=result.explanation if result else "",
        override_reason=data.reason if overridden else "",
    )


def _incident_of(session: Session, incident_id: str | None) -> str:
    """The incident a casualty belongs to: the one named, else the one open now."""
    if incident_id is not None:
        incident = find_incident(session, incident_id)  # id, number or title
        if incident.status is IncidentStatus.CLOSED:
            raise Conflict(
                f"incident {incident.number} is closed; record the casualty in an open one"
            )
        return incident.id
    open_now = session.scalars(
        select(Incident).where(Incident.status != IncidentStatus.CLOSED).order_by(Incident.number)
    ).all()
    if not open_now:
        raise Conflict("no incident is open; declare the incident, then record its casualties")
    if len(open_now) > 1:
        numbers = ", ".join(str(i.number) for i in open_now)
        raise Invalid(f"incidents {numbers} are open; name the incident of this casualty")
    return open_now[0].id


def casualty_of(session: Session, *, person_id: str, incident_id: str) -> Casualty | None:
    """The person's casualty record in the incident (one person, one casualty, per incident)."""
    return session.scalar(
        select(Casualty).where(
            Casualty.person_id == person_id,
            Casualty.incident_id == incident_id,
            Casualty.merged_into_id.is_(None),
        )
    )


def record_casualty(session: Session, *, data: CasualtyCreate, actor: Actor) -> Casualty:
    """Record a casualty and its first triage in an incident; a death sets the person's status.

    With no incident named, the casualty belongs to the incident open now (refused if none
    is, or several are). A person already recorded in that incident is refused: re-triage.
    """
    authorize(actor, "casualty.record")
    person = find_person(session, data.person_id) if data.person_id else None
    if data.treated_by_id:
        get_person(session, data.treated_by_id)
    incident_id = _incident_of(session, data.incident_id)
    if person is not None:
        known = casualty_of(session, person_id=person.id, incident_id=incident_id)
        if known is not None:
            raise Conflict(
                f"{person.name} is already casualty C-{known.number}; re-triage that one"
            )
    at = clock.now()
    number = (session.scalar(select(func.max(Casualty.number))) or 0) + 1
    side = side_of(person) if person is not None else (data.side or Side.UNKNOWN)
    casualty = Casualty(
        id=new_id(),
        number=number,
        incident_id=incident_id,
        person_id=person.id if person else None,
        description=data.description,
        age_years=data.age_years,
        side=side,
        found_at=data.found_at,
        found_zone_id=data.found_zone_id,
        injuries=data.injuries,
        treated_by_id=data.treated_by_id,
        taken_to=data.taken_to,
        recorded_by=actor.label,
        recorded_at=at,
        updated_at=at,
    )
    assessment = _assessment(casualty.id, data, _age(session, person, data.age_years), "", actor)
    casualty.triage = assessment.category
    session.add(casualty)
    session.flush()
    session.add(assessment)
    session.flush()
    # Counts only in the payload: the live stream reaches every console, medical or not.
    append_event(
        session,
        kind="medical.casualty.recorded",
        actor=actor,
        subjects=[casualty.id, casualty.person_id or "", incident_id],
        payload={
            "summary": f"Casualty C-{number} recorded at {data.found_at}: {side.value} side, "
            f"triage {casualty.triage.value}.",
            "number": number,
            "side": side.value,
            "triage": casualty.triage.value,
        },
    )
    sync_person_status(session, casualty, actor)
    return casualty


def retriage(session: Session, *, casualty_id: str, data: TriageChange, actor: Actor) -> Casualty:
    """Triage a casualty (id or tag) again; the earlier triages stay in the history."""
    authorize(actor, "casualty.record")
    casualty = find_casualty(session, casualty_id)
    if casualty.merged_into_id is not None:
        into = get_casualty(session, casualty.merged_into_id)
        raise Conflict(
            f"C-{casualty.number} is the same casualty as C-{into.number}; triage that one"
        )
    if casualty.triage is Triage.DECEASED:
        raise Conflict(
            f"casualty C-{casualty.number} is recorded as deceased and is not re-triaged"
        )
    person = get_person(session, casualty.person_id) if casualty.person_id else None
    assessment = _assessment(
        casualty.id, data, _age(session, person, casualty.age_years), data.note, actor
    )
    previous = casualty.triage
    casualty.triage = assessment.category
    casualty.updated_at = assessment.assessed_at
    session.add(assessment)
    session.flush()
    append_event(
        session,
        kind="medical.casualty.retriaged",
        actor=actor,
        subjects=[casualty.id, casualty.person_id or "", casualty.incident_id or ""],
        payload={
            "summary": f"Casualty C-{casualty.number} re-triaged from {previous.value} "
            f"to {casualty.triage.value}.",
            "number": casualty.number,
            "side": casualty.side.value,
            "from": previous.value,
            "triage": casualty.triage.value,
        },
    )
    sync_person_status(session, casualty, actor)
    return casualty


def triage_history(session: Session, *, casualty_id: str) -> list[TriageAssessment]:
    """Every triage of a casualty, oldest first."""
    query = select(TriageAssessment).where(TriageAssessment.casualty_id == casualty_id)
    return list(session.scalars(query.order_by(TriageAssessment.assessed_at)).all())


def latest_triages(session: Session, casualty_ids: list[str]) -> dict[str, TriageAssessment]:
    """The latest triage of each casualty named (what decided its category now)."""
    rows = session.scalars(
        select(TriageAssessment)
        .where(TriageAssessment.casualty_id.in_(casualty_ids))
        .order_by(TriageAssessment.assessed_at)
    )
    return {row.casualty_id: row for row in rows}


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
    query = select(Casualty).where(Casualty.merged_into_id.is_(None))
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
    query = (
        select(Casualty.side, Casualty.triage, func.count())
        .where(Casualty.merged_into_id.is_(None))
        .group_by(Casualty.side, Casualty.triage)
    )
    if incident_id is not None:
        query = query.where(Casualty.incident_id == incident_id)
    by_side = {s.value: {t.value: 0 for t in Triage} for s in Side}
    for side, category, count in session.execute(query).all():
        by_side[Side(side).value][Triage(category).value] = count
    by_category = {t.value: sum(row[t.value] for row in by_side.values()) for t in Triage}
    return CasualtyCounts(total=sum(by_category.values()), by_side=by_side, by_category=by_category)
