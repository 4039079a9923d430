"""Passages reported by doors: once per idempotency key, only after a permit, moving presence.

A permit is a decision at one moment. A passage reported after the facts that decided it
changed (a hold placed, consent revoked, a pass ended, the portal's mode or the policy
changed, the person archived or moved) is refused, the permit is spent, and the post is
alerted; the refusal is an outcome, not an error, so its alert is kept with the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from muster import clock
from muster.access.decisions import (
    ALERT,
    CedarInput,
    cedar_input_for,
    engine_for,
    evaluate,
    precheck,
)
from muster.access.enums import Direction
from muster.access.facts import PortalFacts, is_escort, load_portal, load_request
from muster.access.models import Decision, Passage
from muster.access.permit_identity import GroupPermit, PermitState, request_mismatch
from muster.access.portal_rules import authorize_portal_ref
from muster.access.presence import move_person
from muster.errors import Conflict, Invalid
from muster.events.service import append_event, lock_log
from muster.people.models import Person
from muster.people.service import find_person
from muster.places.models import Post
from muster.policy.actor import Actor
from muster.policy.authorize import authorize

# A permit is good for this long: the person is at the door when it is decided.
PERMIT_VALID_FOR = timedelta(minutes=5)


@dataclass(frozen=True)
class PassageOutcome:
    """A reported passage: recorded (``created``), found again on a retry, or refused."""

    passage: Passage | None
    created: bool = False
    refusal: str = ""  # why it was refused; the post has been alerted

    @property
    def refused(self) -> bool:
        """True when no passage was recorded because the permit no longer holds."""
        return self.passage is None


# What a change of each fact means, in the words of a refusal.
_FACT_WORDS = {
    "held": {True: "a hold was placed on them", False: "their hold was lifted"},
    "duty_pass_current": {True: "a duty pass was issued", False: "their duty pass ended"},
    "visit_current": {True: "a visit was issued", False: "their visit ended"},
    "consent_required": {
        True: "they were registered as a resident",
        False: "their resident registration was cleared",
    },
}
_FACT_NAMES = {
    "transfer_vessel_ids": "the consent cases that allow a transfer",
    "visit_zone_ids": "the zones their visit allows",
    "vessel_party_id": "the vessel docked outside",
    "passback": "where they are recorded to be",
    "target_zone_id": "the zone beyond the portal",
}


def _diff(then: dict[str, Any], now: dict[str, Any]) -> list[str]:
    changes = []
    for key in sorted(set(then) | set(now)):
        old, new = then.get(key), now.get(key)
        if old == new:
            continue
        if key in _FACT_WORDS and isinstance(new, bool):
            changes.append(_FACT_WORDS[key][new])
        elif key in _FACT_NAMES:
            changes.append(f"{_FACT_NAMES[key]} changed")
        else:
            changes.append(f"{key.replace('_', ' ')} changed from {old or '-'} to {new or '-'}")
    return changes


def permit_changes(
    session: Session, permit: Decision, portal: PortalFacts, direction: Direction, at: datetime
) -> str:
    """What changed since ``permit`` was decided, in words; empty when nothing did."""
    counted_escort = (permit.cedar_input or {}).get("context", {}).get("escort_present")
    return fact_changes(
        session,
        person_id=permit.person_id or "",
        cedar_input=permit.cedar_input or {},
        policy_version=permit.policy_version,
        portal_id=portal.id,
        direction=direction,
        at=at,
        group=_request_permits(session, permit) if counted_escort else [],
    )


def _request_permits(session: Session, permit: Decision) -> list[GroupPermit]:
    """The other permits of ``permit``'s request, each with where it stands (read only for
    a permit that counted an escort: every other passage is spared the two queries)."""
    others = session.execute(
        select(Decision.id, Decision.person_id, Decision.cedar_input, Decision.used_at).where(
            Decision.request_id == permit.request_id,
            Decision.id != permit.id,
            Decision.allowed.is_(True),
        )
    ).all()
    passed = set(
        session.scalars(
            select(Passage.decision_id).where(Passage.decision_id.in_([o.id for o in others]))
        )
    )
    return [
        GroupPermit(
            str(o.person_id),
            dict(o.cedar_input or {}),
            PermitState.of(spent=o.used_at is not None, passed=o.id in passed),
        )
        for o in others
        if o.person_id
    ]


def fact_changes(
    session: Session,
    *,
    person_id: str,
    cedar_input: dict[str, Any],
    policy_version: str,
    portal_id: str,
    direction: Direction,
    at: datetime,
    group: list[GroupPermit],
) -> str:
    """What changed since a permit with ``cedar_input`` and ``policy_version`` was decided,
    in words; empty when nothing did. The rule of every passage, on the server's record
    and on a door's replica alike.

    The person's and the portal's facts, the parts of the context that do not depend on
    the group, and the policy in force are read again now and compared with what the
    decision stored. ``group``: the others permitted in the same request. A permit that
    counted an escort present holds only while one of them is still an escort who went
    through, or whose own permit is unused and holds (P3: a visitor does not go on alone
    because her escort was stopped at the door, even once his record is set right).
    A permit whose stored request is not this passage's (another action, person or
    portal) holds for nothing.
    """
    known = load_request(session, portal_id, [person_id], at)
    person = known.persons.get(person_id)
    stopped = precheck(person, person_id)
    if stopped is not None or person is None:
        return stopped.reason if stopped is not None else "the person is not on the register"
    mismatch = request_mismatch(
        cedar_input,
        person_id=person_id,
        portal_id=known.portal.id,
        portal_kind=known.portal.kind,
        direction=direction,
    )
    if mismatch:
        return f"the permit is not one for this passage ({mismatch})"
    then = cedar_input
    now = cedar_input_for(person, known.portal, direction, [])
    changes = []
    if known.policy_version != policy_version:
        changes.append("another policy was activated")
    changes += _diff(then.get("person", {}).get("attrs", {}), now.person["attrs"])
    changes += _diff(then.get("portal", {}).get("attrs", {}), now.portal["attrs"])
    context = {k: v for k, v in then.get("context", {}).items() if k != "escort_present"}
    changes += _diff(context, {k: v for k, v in now.context.items() if k != "escort_present"})
    if (
        not changes
        and then.get("context", {}).get("escort_present")
        and not _escort_holds(
            session,
            portal_id=portal_id,
            direction=direction,
            at=at,
            group=group,
            policy_version=policy_version,
        )
        and _counted_the_escort(session, then, policy_version)
    ):
        changes.append("the escort they were permitted with is no longer permitted")
    return "; ".join(changes)


def _counted_the_escort(session: Session, then: dict[str, Any], policy_version: str) -> bool:
    """Whether the permit stood on its escort: Cedar denies the same request without one
    (a visitor leaving for her vessel beside a crew member needs none)."""
    alone = CedarInput.from_dict(then, escort_present=False)
    return not evaluate(engine_for(session, policy_version), alone).allowed


def _escort_holds(
    session: Session,
    *,
    portal_id: str,
    direction: Direction,
    at: datetime,
    group: list[GroupPermit],
    policy_version: str,
) -> bool:
    """Whether one of ``group`` is still an escort who went through and is still on the
    side she goes to, or whose own permit is unused and its facts unchanged (a permit spent
    by a refusal escorts no one)."""
    if not group:
        return False
    known = load_request(session, portal_id, [g.person_id for g in group], at)
    for other in group:
        person = known.persons.get(other.person_id)
        if person is None or not is_escort(person) or other.state is PermitState.SPENT:
            continue
        if other.state is PermitState.PASSED:
            if person.zone_id == known.portal.target_zone(direction):
                return True  # he went through and is still on the side she goes to
            continue
        if not fact_changes(
            session,
            person_id=other.person_id,
            cedar_input=other.cedar_input,
            policy_version=policy_version,
            portal_id=portal_id,
            direction=direction,
            at=at,
            group=[],
        ):
            return True
    return False


def refusal_reason(person: str, direction: Direction, portal: str, changes: str) -> str:
    """The words of a passage refused because its permit's facts changed."""
    return (
        f"the permit for {person} to {direction.value} at {portal} no longer holds: "
        f"{changes}; do not let them through, ask the airlock again"
    )


def _refuse(
    session: Session,
    *,
    permit: Decision,
    person: Person,
    portal: PortalFacts,
    direction: Direction,
    changes: str,
    at: datetime,
    actor: Actor,
) -> PassageOutcome:
    """Spend the permit, alert the post at the portal, and answer with the refusal."""
    permit.used_at = at
    reason = refusal_reason(person.name, direction, portal.name, changes)
    posts = list(session.scalars(select(Post.id).where(Post.portal_id == portal.id)))
    append_event(
        session,
        kind=ALERT,
        actor=actor,
        subjects=[person.id, portal.id, person.party_id or "", permit.id, *posts],
        payload={
            "audience": "post",
            "about": "passage.refused",
            "person": person.name,
            "portal": portal.name,
            "direction": direction.value,
            "decision_id": permit.id,
            "text": f"Passage refused: {reason}.",
        },
    )
    return PassageOutcome(None, False, reason)


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
) -> PassageOutcome:
    """Record that a permitted person went through. A retry with the same key returns the
    first passage and records nothing; a permit whose facts have changed since it was
    decided is refused (see the module's docstring)."""
    authorize_portal_ref(actor, "passage.record", portal_id)
    portal = load_portal(session, portal_id)
    authorize(actor, "passage.record", portal.resource())
    key = idempotency_key.strip()
    if not key:
        raise Invalid("send an Idempotency-Key header so a retry never records twice")
    person = find_person(session, person_ref)
    found = _existing(session, key)
    if found is not None:
        return PassageOutcome(_same_or_conflict(found, person.id, portal.id, direction.value))
    # The facts are read holding the log's append lock, so a hold or a revocation committed
    # while this runs is either seen here or ordered after this passage in the record
    # (PostgreSQL; SQLite's write transaction holds its lock already).
    lock_log(session)
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
    changes = permit_changes(session, permit, portal, direction, at)
    if changes:
        return _refuse(
            session,
            permit=permit,
            person=person,
            portal=portal,
            direction=direction,
            changes=changes,
            at=at,
            actor=actor,
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
        return PassageOutcome(_same_or_conflict(found, person.id, portal.id, direction.value))
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
    return PassageOutcome(passage, True)
