"""Medical steps that reach into the airlocks: screenings, medical holds, the visiting surgeon.

Holds live in the access domain (one table, ``kind`` provisional or medical), and every
airlock decision reads them at the moment it decides; so a hold placed, confirmed or
lifted here changes what every airlock does from the same transaction on. The medical
rules sit here, on top of the access domain's own hold functions:

- a positive screening places a medical hold, or confirms the person's provisional holds
  as medical (the provisional hold is lifted and a medical hold placed in its stead);
- only a medic confirms or lifts a hold for medical reasons, and lifting needs a clear
  screening on record (the latest result of every kind screened is negative).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from muster.access.enums import HoldKind
from muster.access.holds import get_hold, lift_hold, open_holds, place_hold
from muster.access.models import Hold, VisitAuthorization
from muster.access.passes import issue_visit
from muster.errors import Conflict, Invalid
from muster.medical.enums import ScreeningResult
from muster.medical.models import Screening
from muster.medical.schemas import ScreeningCreate
from muster.medical.screening import add_screening, clear_on_record, latest_results
from muster.people.service import get_person
from muster.policy.actor import Actor
from muster.policy.authorize import authorize


def _confirm(session: Session, hold: Hold, reason: str, actor: Actor) -> Hold:
    lift_hold(
        session, hold_id=hold.id, reason=f"confirmed as a medical hold: {reason}", actor=actor
    )
    return place_hold(
        session,
        person_id=hold.person_id,
        kind=HoldKind.MEDICAL,
        reason=f"{reason} (confirms the provisional hold: {hold.reason})",
        actor=actor,
    )


def screen_person(
    session: Session, *, data: ScreeningCreate, actor: Actor
) -> tuple[Screening, list[Hold]]:
    """Record a screening; a positive result holds the person medically at once.

    Returns the screening and the medical holds it placed (none for other results).
    """
    authorize(actor, "screening.record")
    screening = add_screening(session, data=data, actor=actor)
    if screening.result is not ScreeningResult.POSITIVE:
        return screening, []
    person = get_person(session, screening.person_id)
    reason = f"positive {screening.kind.value} screening ({screening.method})"
    held = open_holds(session, person.id)
    if any(h.kind == HoldKind.MEDICAL.value for h in held):
        return screening, []
    provisional = [h for h in held if h.kind == HoldKind.PROVISIONAL.value]
    if provisional:
        return screening, [_confirm(session, h, reason, actor) for h in provisional]
    return screening, [
        place_hold(session, person_id=person.id, kind=HoldKind.MEDICAL, reason=reason, actor=actor)
    ]


def confirm_hold(session: Session, *, hold_id: str, reason: str, actor: Actor) -> Hold:
    """A medic confirms a provisional hold as medical; a screening must be on record.

    A clear record (latest results all negative) cannot confirm a hold: lift it instead.
    """
    authorize(actor, "hold.medical")
    hold = get_hold(session, hold_id)
    if hold.lifted_at is not None:
        raise Conflict(f"this hold was lifted by {hold.lifted_by}; place a new one if needed")
    if hold.kind != HoldKind.PROVISIONAL.value:
        raise Conflict("only a provisional hold is confirmed; this one is medical already")
    person = get_person(session, hold.person_id)
    if not latest_results(session, person.id):
        raise Conflict(f"{person.name} has no screening on record; screen them first")
    if clear_on_record(session, person.id):
        raise Conflict(f"{person.name}'s latest screenings are negative; lift the hold instead")
    return _confirm(session, hold, reason, actor)


def lift_hold_medically(session: Session, *, hold_id: str, reason: str, actor: Actor) -> Hold:
    """A medic lifts a provisional or medical hold; only with a clear screening on record."""
    authorize(actor, "hold.medical")
    hold = get_hold(session, hold_id)
    person = get_person(session, hold.person_id)
    if not clear_on_record(session, person.id):
        raise Conflict(
            f"{person.name} has no clear screening on record (every latest result negative); "
            "the hold stays until one is recorded"
        )
    return lift_hold(session, hold_id=hold.id, reason=reason, actor=actor)


def medical_holds_open(session: Session, person_id: str) -> list[Hold]:
    """The person's open holds of either kind."""
    return open_holds(session, person_id)


def authorize_surgeon_visit(
    session: Session,
    *,
    surgeon_id: str,
    host_id: str,
    zone_ids: list[str],
    valid_from: datetime,
    valid_until: datetime,
    purpose: str = "Visiting surgeon: joint work with the station's medics on the nanites",
    actor: Actor,
) -> VisitAuthorization:
    """Let a visiting surgeon aboard, escorted, into the given zones (corridor and hospital).

    The host is the hospital's chief; the access policy admits the visitor only with an
    escort of the crew passing with them, and through internal doors only into these zones.
    """
    authorize(actor, "hospital.manage")
    host = get_person(session, host_id)
    if "medic" not in host.roles:
        raise Invalid(f"{host.name} is not on the medical staff; the host is the hospital's chief")
    if not zone_ids:
        raise Invalid("name the zones of the visit: the airlock corridor and the hospital")
    return issue_visit(
        session,
        person_id=surgeon_id,
        host_id=host.id,
        purpose=purpose,
        zone_ids=zone_ids,
        valid_from=valid_from,
        valid_until=valid_until,
        actor=actor,
    )
