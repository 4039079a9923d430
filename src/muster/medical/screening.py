"""Screenings of persons (nanite screen, intoxication): the record and what it says now."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster import clock
from muster.errors import Invalid
from muster.events.service import append_event
from muster.medical.enums import ScreeningKind, ScreeningResult
from muster.medical.models import Screening
from muster.medical.schemas import ScreeningCreate
from muster.people.service import find_person, get_person
from muster.policy.actor import Actor


def add_screening(session: Session, *, data: ScreeningCreate, actor: Actor) -> Screening:
    """Store a screening result (``flows.screen_person`` also applies its effect on holds)."""
    person = find_person(session, data.person_id)
    if data.performed_by_id:
        get_person(session, data.performed_by_id)
    at = data.performed_at or clock.now()
    if at.tzinfo is None:
        raise Invalid("give the screening time with its zone, e.g. 2031-05-04T14:30:00Z")
    if at > clock.now():
        raise Invalid("a screening cannot be recorded for a time still to come")
    screening = Screening(
        person_id=person.id,
        kind=data.kind,
        result=data.result,
        method=data.method,
        performed_by_id=data.performed_by_id,
        performed_at=at,
        recorded_by=actor.label,
        notes=data.notes,
    )
    session.add(screening)
    session.flush()
    # The result is clinical: the event names the screening, not its outcome.
    append_event(
        session,
        kind="medical.screening.recorded",
        actor=actor,
        subjects=[screening.id, person.id],
        payload={"summary": f"{data.kind.value.capitalize()} screening of {person.name} recorded."},
    )
    return screening


def list_screenings(
    session: Session, *, person_id: str | None = None, limit: int = 100, offset: int = 0
) -> tuple[list[Screening], int]:
    """Screenings, newest first."""
    query = select(Screening)
    if person_id is not None:
        query = query.where(Screening.person_id == person_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Screening.performed_at.desc(), Screening.id).limit(limit).offset(offset)
    )
    return list(rows.all()), total


def latest_results(session: Session, person_id: str) -> dict[ScreeningKind, Screening]:
    """The person's most recent screening of each kind."""
    latest: dict[ScreeningKind, Screening] = {}
    rows, _total = list_screenings(session, person_id=person_id, limit=1000)
    for row in rows:
        latest.setdefault(row.kind, row)
    return latest


# Results that hold a person: a positive result, and one that cannot say (P4).
HOLDING_RESULTS = frozenset({ScreeningResult.POSITIVE, ScreeningResult.INCONCLUSIVE})


def holding_results(session: Session, person_id: str) -> list[Screening]:
    """The person's latest screenings (one per kind) whose result holds them."""
    latest = latest_results(session, person_id)
    return [s for s in latest.values() if s.result in HOLDING_RESULTS]


def not_clear_since(session: Session, person_id: str, since: datetime) -> str | None:
    """Why the person is not screened clear since ``since``, or None when they are.

    Clear: the latest result of every kind screened is negative, and a screening was taken
    after ``since``; a negative result from before it says nothing about what came after.
    """
    latest = latest_results(session, person_id)
    holding = [s for s in latest.values() if s.result is not ScreeningResult.NEGATIVE]
    if holding:
        first = holding[0]
        return f"the latest {first.kind.value} screening is {first.result.value}"
    if not any(s.performed_at > since for s in latest.values()):
        return "no screening has been taken since the hold was placed"
    return None


def screening_counts(session: Session) -> dict[str, dict[str, int]]:
    """Persons by kind of screening and latest result (counts, for everyone)."""
    counts = {k.value: {r.value: 0 for r in ScreeningResult} for k in ScreeningKind}
    rows, _total = list_screenings(session, limit=100_000)
    seen: set[tuple[str, str]] = set()
    for row in rows:
        key = (row.person_id, row.kind.value)
        if key not in seen:
            seen.add(key)
            counts[row.kind.value][row.result.value] += 1
    return counts
