"""Holds on persons: provisional (command) and medical (medics), one table, one rule."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster import clock
from muster.access.enums import HoldKind
from muster.access.models import Hold
from muster.errors import Conflict, Invalid, NotFound
from muster.events.service import append_event
from muster.people.service import get_person
from muster.policy.actor import Actor


def place_hold(
    session: Session, *, person_id: str, kind: HoldKind, reason: str, actor: Actor
) -> Hold:
    """Hold a person: from now on no airlock lets them out until the hold is lifted."""
    person = get_person(session, person_id)
    if not reason.strip():
        raise Invalid("give the reason for the hold; it is shown at every airlock")
    hold = Hold(
        person_id=person.id,
        kind=kind.value,
        reason=reason.strip(),
        placed_by_id=actor.id,
        placed_by=actor.label,
        placed_at=clock.now(),
    )
    session.add(hold)
    session.flush()
    append_event(
        session,
        kind="access.hold.placed",
        actor=actor,
        subjects=[person.id, hold.id, person.party_id or ""],
        payload={"person": person.name, "kind": hold.kind, "reason": hold.reason},
    )
    return hold


def get_hold(session: Session, hold_id: str) -> Hold:
    """The hold with this id."""
    hold = session.get(Hold, hold_id)
    if hold is None:
        raise NotFound(f"no hold with id {hold_id!r}; list holds to find it")
    return hold


def lift_hold(session: Session, *, hold_id: str, reason: str, actor: Actor) -> Hold:
    """Lift one hold (the person stays held while any other hold remains)."""
    hold = get_hold(session, hold_id)
    if hold.lifted_at is not None:
        raise Conflict(f"this hold was already lifted by {hold.lifted_by}")
    if not reason.strip():
        raise Invalid("give the reason the hold is lifted")
    hold.lifted_at = clock.now()
    hold.lifted_by = actor.label
    hold.lift_reason = reason.strip()
    session.flush()
    append_event(
        session,
        kind="access.hold.lifted",
        actor=actor,
        subjects=[hold.person_id, hold.id],
        payload={"kind": hold.kind, "reason": hold.lift_reason},
    )
    return hold


def open_holds(session: Session, person_id: str) -> list[Hold]:
    """The person's holds not yet lifted, oldest first."""
    query = (
        select(Hold)
        .where(Hold.person_id == person_id, Hold.lifted_at.is_(None))
        .order_by(Hold.placed_at)
    )
    return list(session.scalars(query).all())


def list_holds(
    session: Session,
    *,
    person_id: str | None = None,
    include_lifted: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Hold], int]:
    """Holds, newest first: open ones only unless ``include_lifted``."""
    query = select(Hold)
    if person_id:
        query = query.where(Hold.person_id == person_id)
    if not include_lifted:
        query = query.where(Hold.lifted_at.is_(None))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Hold.placed_at.desc()).limit(limit).offset(offset))
    return list(rows.all()), total
