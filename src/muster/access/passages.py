"""Passages reported by doors: once per idempotency key, only after a permit, moving presence."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from muster import clock
from muster.access.enums import Direction
from muster.access.facts import load_portal
from muster.access.models import Decision, Passage
from muster.access.presence import move_person
from muster.errors import Conflict, Invalid
from muster.events.service import append_event
from muster.people.service import find_person
from muster.policy.actor import Actor

# A permit is good for this long: the person is at the door when it is decided.
PERMIT_VALID_FOR = timedelta(minutes=5)


def _existing(session: Session, key: str) -> Passage | None:
    return session.scalar(select(Passage).where(Passage.idempotency_key == key))


def _same_or_conflict(found: Passage, person_id: str, portal_id: str, direction: str) -> Passage:
    if (found.person_id, found.portal_id, found.direction) != (person_id, portal_id, direction):
        raise Conflict(
            "this Idempotency-Key was already used for another passage; send a new key",
            passage_id=found.id,
        )
    return found


def record_passage(
    session: Session,
    *,
    portal_id: str,
    person_ref: str,
    direction: Direction,
    idempotency_key: str,
    actor: Actor,
) -> tuple[Passage, bool]:
    """Record that a permitted person went through; (passage, created). A retry with the same
    key returns the first passage and records nothing."""
    key = idempotency_key.strip()
    if not key:
        raise Invalid("send an Idempotency-Key header so a retry never records twice")
    person = find_person(session, person_ref)
    portal = load_portal(session, portal_id)
    found = _existing(session, key)
    if found is not None:
        return _same_or_conflict(found, person.id, portal.id, direction.value), False
    at = clock.now()
    permit = session.scalar(
        select(Decision)
        .where(
            Decision.person_id == person.id,
            Decision.portal_id == portal.id,
            Decision.direction == direction.value,
            Decision.allowed.is_(True),
            Decision.used_at.is_(None),
            Decision.decided_at >= at - PERMIT_VALID_FOR,
        )
        .order_by(Decision.decided_at.desc())
        .limit(1)
    )
    if permit is None:
        raise Conflict(
            f"no recent unused permit for {person.name} to {direction.value} at {portal.name}; "
            "ask the airlock for a decision first",
        )
    to_zone = portal.target_zone(direction)
    from_zone = portal.inside_zone_id if direction == Direction.EXIT else portal.outside_zone_id
    passage = Passage(
        idempotency_key=key,
        decision_id=permit.id,
        person_id=person.id,
        portal_id=portal.id,
        direction=direction.value,
        from_zone_id=from_zone,
        to_zone_id=to_zone,
        at=at,
        actor=actor.label,
    )
    try:
        with session.begin_nested():
            session.add(passage)
            session.flush()
    except IntegrityError:
        # A concurrent retry with the same key won the race: answer with its passage.
        found = _existing(session, key)
        if found is None:
            raise
        return _same_or_conflict(found, person.id, portal.id, direction.value), False
    permit.used_at = at
    move_person(session, person_id=person.id, zone_id=to_zone, source=f"passage {passage.id}")
    append_event(
        session,
        kind="access.passage.recorded",
        actor=actor,
        subjects=[person.id, portal.id, person.party_id or "", passage.id],
        payload={
            "person": person.name,
            "portal": portal.name,
            "direction": direction.value,
            "from_zone_id": from_zone,
            "to_zone_id": to_zone,
            "decision_id": permit.id,
        },
    )
    return passage, True
