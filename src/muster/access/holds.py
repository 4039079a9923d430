"""Holds on persons: provisional (command) and medical (medics), one table, one rule.

Every airlock decision reads the open holds at the moment it decides, so a hold placed,
confirmed or lifted here changes what every airlock does from the same transaction on.
The rules of lifting live in ``lift_hold`` and nowhere else (P4); every path that lifts a
hold (access and medical API, console, CLI, scenario actions) calls it:

- a provisional hold is lifted by those the policy lets lift it (commander, officer,
  administrator), or by a medic on a clear screening taken after it was placed;
- a medical hold is lifted only by a medic the policy lets lift it, on a clear screening
  taken after it was placed: the latest result of every kind screened is negative. A
  positive or inconclusive result holds.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster import clock
from muster.access.enums import HoldKind
from muster.access.models import Hold
from muster.errors import Conflict, Forbidden, Invalid, NotFound
from muster.events.service import append_event
from muster.medical.screening import holding_results, not_clear_since
from muster.people.service import find_person, get_person
from muster.policy.actor import Actor
from muster.policy.authorize import Resource, authorize, is_allowed

LIFT = "hold.lift"
# A medic's decision on clinical grounds (confirming a hold as medical, lifting on a screening).
MEDICAL_DECISION = "hold.medical"
CONFIRMED = "confirmed as a medical hold"


def hold_resource(kind: str, hold_id: str = "new") -> Resource:
    """A hold as the resource of placing or lifting it."""
    return Resource("Hold", hold_id, {"kind": kind})


def _event_reason(kind: str, reason: str) -> dict[str, str]:
    # A medical hold's reason is clinical: the record every operator reads names the hold,
    # not why (the hold itself keeps the reason, for medics).
    return {} if kind == HoldKind.MEDICAL.value else {"reason": reason}


def _open(session: Session, *, person_id: str, kind: HoldKind, reason: str, actor: Actor) -> Hold:
    person = find_person(session, person_id)
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
        payload={"person": person.name, "kind": hold.kind, **_event_reason(hold.kind, hold.reason)},
    )
    return hold


def _close(session: Session, hold: Hold, reason: str, actor: Actor) -> Hold:
    hold.lifted_at = clock.now()
    hold.lifted_by = actor.label
    hold.lift_reason = reason
    session.flush()
    append_event(
        session,
        kind="access.hold.lifted",
        actor=actor,
        subjects=[hold.person_id, hold.id],
        payload={"kind": hold.kind, **_event_reason(hold.kind, hold.lift_reason)},
    )
    return hold


def place_hold(
    session: Session, *, person_id: str, kind: HoldKind, reason: str, actor: Actor
) -> Hold:
    """Hold a person: from now on no airlock lets them out until the hold is lifted.

    ``person_id`` is the person's id, or the badge id or exact name an entry point was
    given. Authorized here (``hold.place`` on a hold of ``kind``) before the person is
    looked up, so a refusal names no one:
    a provisional hold by command, a medical hold by a medic (or the station's own
    screening process); every path that places a hold calls this.
    """
    authorize(actor, "hold.place", hold_resource(kind.value))
    return _open(session, person_id=person_id, kind=kind, reason=reason, actor=actor)


def get_hold(session: Session, hold_id: str) -> Hold:
    """The hold with this id."""
    hold = session.get(Hold, hold_id)
    if hold is None:
        raise NotFound(f"no hold with id {hold_id!r}; list holds to find it")
    return hold


def may_lift(actor: Actor, kind: str) -> bool:
    """True if the policy lets ``actor`` lift a hold of ``kind`` (for showing the control).

    A medic's lift still needs a clear screening since the hold was placed; ``lift_hold``
    checks it.
    """
    if is_allowed(actor, LIFT, hold_resource(kind)):
        return True
    return kind != HoldKind.MEDICAL.value and is_allowed(actor, MEDICAL_DECISION)


def lift_hold(session: Session, *, hold_id: str, reason: str, actor: Actor) -> Hold:
    """Lift one hold (the person stays held while any other hold remains).

    A medical hold: a medic only, on a clear screening taken after it was placed. A
    provisional hold: command, or a medic on such a screening.
    """
    if not any(may_lift(actor, k.value) for k in HoldKind):
        raise Forbidden(
            f"{actor.label} may not lift holds: a provisional hold is lifted by the commander "
            "or an officer, a medical hold by a medic",
            action=LIFT,
        )
    hold = get_hold(session, hold_id)
    resource = hold_resource(hold.kind, hold.id)
    by_command = hold.kind != HoldKind.MEDICAL.value and is_allowed(actor, LIFT, resource)
    if not by_command:
        if hold.kind == HoldKind.MEDICAL.value:
            authorize(actor, LIFT, resource)
        else:
            authorize(actor, MEDICAL_DECISION)
    if hold.lifted_at is not None:
        raise Conflict(f"this hold was already lifted by {hold.lifted_by}")
    if not reason.strip():
        raise Invalid("give the reason the hold is lifted")
    if not by_command:
        why = not_clear_since(session, hold.person_id, hold.placed_at)
        if why is not None:
            person = get_person(session, hold.person_id)
            raise Conflict(
                f"{person.name} stays held: {why}. A medic lifts this hold only on a clear "
                "screening taken after it was placed (the latest result of every kind negative)"
            )
    return _close(session, hold, reason.strip(), actor)


def confirm_medical_hold(session: Session, *, hold_id: str, reason: str, actor: Actor) -> Hold:
    """A medic confirms a provisional hold as medical, on a positive or inconclusive screening.

    The provisional hold is closed and a medical hold placed in the same transaction, so the
    person is held throughout; from then on only a medic lifts it. A clear record (latest
    results all negative) cannot confirm a hold.
    """
    authorize(actor, MEDICAL_DECISION)
    hold = get_hold(session, hold_id)
    if hold.lifted_at is not None:
        raise Conflict(f"this hold was lifted by {hold.lifted_by}; place a new one if needed")
    if hold.kind != HoldKind.PROVISIONAL.value:
        raise Conflict("only a provisional hold is confirmed; this one is medical already")
    if not reason.strip():
        raise Invalid("give the clinical reason the hold is confirmed")
    if not holding_results(session, hold.person_id):
        person = get_person(session, hold.person_id)
        raise Conflict(
            f"{person.name} has no positive or inconclusive screening on record; screen them "
            "first (a clear screening after the hold lifts it instead)"
        )
    _close(session, hold, CONFIRMED, actor)
    return _open(
        session,
        person_id=hold.person_id,
        kind=HoldKind.MEDICAL,
        reason=f"{reason.strip()} (confirms the provisional hold: {hold.reason})",
        actor=actor,
    )


def open_holds(session: Session, person_id: str) -> list[Hold]:
    """The person's holds not yet lifted, oldest first."""
    query = (
        select(Hold)
        .where(Hold.person_id == person_id, Hold.lifted_at.is_(None))
        .order_by(Hold.placed_at)
    )
    return list(session.scalars(query).all())
