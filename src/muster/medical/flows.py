"""Medical steps that reach into the airlocks: screenings, medical holds, the visiting surgeon.

Holds live in the access domain (one table, ``kind`` provisional or medical), and every
airlock decision reads them at the moment it decides. A screening whose result holds the
person (positive or inconclusive, P4) places a medical hold, or confirms the person's
provisional holds as medical. Confirming and lifting holds are the access domain's use
cases (``muster.access.holds``), which own their rules.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from muster.access.enums import HoldKind
from muster.access.holds import confirm_medical_hold, open_holds, place_hold
from muster.access.models import Hold, VisitAuthorization
from muster.access.passes import issue_visit
from muster.errors import Invalid
from muster.medical.models import Screening
from muster.medical.schemas import ScreeningCreate
from muster.medical.screening import add_screening, holding_results
from muster.people.service import get_person
from muster.policy.actor import Actor
from muster.policy.authorize import authorize


def screen_person(
    session: Session, *, data: ScreeningCreate, actor: Actor
) -> tuple[Screening, list[Hold]]:
    """Record a screening; a positive or inconclusive result holds the person medically at once.

    Returns the screening and the medical holds it placed (none when the result does not
    hold, when it is older than a later result of its kind, or when a medical hold is open).
    """
    authorize(actor, "screening.record")
    screening = add_screening(session, data=data, actor=actor)
    if screening not in holding_results(session, screening.person_id):
        return screening, []
    reason = f"{screening.result.value} {screening.kind.value} screening ({screening.method})"
    held = open_holds(session, screening.person_id)
    if any(h.kind == HoldKind.MEDICAL.value for h in held):
        return screening, []
    provisional = [h for h in held if h.kind == HoldKind.PROVISIONAL.value]
    if provisional:
        return screening, [
            confirm_medical_hold(session, hold_id=h.id, reason=reason, actor=actor)
            for h in provisional
        ]
    hold = place_hold(
        session, person_id=screening.person_id, kind=HoldKind.MEDICAL, reason=reason, actor=actor
    )
    return screening, [hold]


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
