"""The transfer an approved case allows, and what ends or pauses it.

Nothing is granted or stored for the airlocks: at every decision they derive the transfer
from the case itself (``access.transfers``): approved, its pending check-up not yet due,
for its own vessel. So an overdue check-up ends the transfer at that moment even before
the scheduler notices, a check-up done renews it, and suspension or revocation of the
case ends it at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster import clock
from muster.errors import Conflict, Invalid
from muster.events.service import append_event
from muster.people.service import find_person
from muster.policy.actor import Actor
from muster.policy.authorize import decide_operator
from muster.welfare.cases import active_cases, add_step, get_case, set_status
from muster.welfare.enums import PENDING_CHECKUP, CaseStatus, CheckupStatus, StepKind
from muster.welfare.models import Checkup, ConsentCase
from muster.welfare.policy import case_resource, require, require_may_ever
from muster.welfare.settings import get_welfare_settings

ALERT = "welfare.alert.raised"


def raise_alert(
    session: Session, *, text: str, subjects: list[str], actor: Actor, about: str
) -> None:
    """Alert the commander (an event the console and the commander's feed show)."""
    append_event(
        session,
        kind=ALERT,
        actor=actor,
        subjects=subjects,
        payload={"audience": "commander", "about": about, "text": text},
    )


def schedule_checkup(session: Session, case: ConsentCase, due_at: datetime) -> Checkup:
    """Put the case's next check-up on the schedule."""
    row = Checkup(
        case_id=case.id, person_id=case.person_id, due_at=due_at, status=CheckupStatus.DUE
    )
    session.add(row)
    session.flush()
    return row


def grant_if_complete(
    session: Session, *, case: ConsentCase, actor: Actor, window: timedelta
) -> bool:
    """Approve the case, and so allow the transfer, if the policy's ``consent.grant`` rules
    are met now; the transfer lasts while the first check-up is not yet due."""
    resource = case_resource(session, case, at=clock.now(), window=window)
    if not decide_operator(actor, "consent.grant", resource).allowed:
        return False
    due = clock.now() + get_welfare_settings().checkup_interval
    schedule_checkup(session, case, due)
    add_step(session, case, StepKind.GRANTED, actor, note=f"valid until the check-up due {due}")
    set_status(session, case, CaseStatus.APPROVED, "approved; transfer authorized", actor)
    return True


def renew(session: Session, *, case: ConsentCase, until: datetime, actor: Actor) -> None:
    """After a check-up: the transfer runs to the next check-up, due at ``until`` and
    already scheduled (resumes if suspended)."""
    if case.status not in (CaseStatus.APPROVED, CaseStatus.SUSPENDED):
        raise Conflict(f"case W-{case.number} is {case.status.value}; nothing to renew")
    add_step(session, case, StepKind.RENEWED, actor, note=f"valid until {until}")
    if case.status is CaseStatus.SUSPENDED:
        set_status(session, case, CaseStatus.APPROVED, "check-up done; transfer resumed", actor)


def suspend(session: Session, *, case: ConsentCase, reason: str, actor: Actor) -> None:
    """Pause the transfer (a check-up overdue or of concern) and alert the commander."""
    if case.status is CaseStatus.APPROVED:
        add_step(session, case, StepKind.SUSPENDED, actor, note=reason)
        set_status(session, case, CaseStatus.SUSPENDED, reason, actor)
    raise_alert(
        session,
        text=f"Transfer of consent case W-{case.number} suspended: {reason}.",
        subjects=[case.id, case.person_id, case.vessel_party_id],
        actor=actor,
        about="transfer.suspended",
    )


def revoke_consent(
    session: Session,
    *,
    statement: str,
    actor: Actor,
    case_id: str | None = None,
    person_id: str | None = None,
    post_id: str | None = None,
) -> list[ConsentCase]:
    """The person withdraws consent: every named active case ends at once.

    Name the case, or the person (id, badge id or name: every active case of theirs
    ends). Taken on the person's word by any officer at any post; the next airlock request
    is denied. The actor is
    authorized before anything is looked up, so a refusal tells nothing about the person
    or their cases; each case is then checked as it stands (a person revokes only their own).
    """
    require_may_ever(actor, "consent.revoke", case_id or person_id or "", own=True)
    if (case_id is None) == (person_id is None):
        raise Invalid("name the case or the person, not both")
    if not statement.strip():
        raise Invalid("record what the person said, in their own words")
    if case_id:
        cases = [get_case(session, case_id)]
    else:  # the person's id, badge id or name, looked up only now
        cases = active_cases(session, find_person(session, person_id or "").id)
    cases = [c for c in cases if c.status in (CaseStatus.OPEN, *_AUTHORIZED)]
    if not cases:
        raise Conflict("no open or approved consent case to revoke")
    window = get_welfare_settings().screening_window
    for case in cases:
        require(
            actor, "consent.revoke", case_resource(session, case, at=clock.now(), window=window)
        )
        for checkup in session.scalars(
            select(Checkup).where(Checkup.case_id == case.id, Checkup.status.in_(PENDING_CHECKUP))
        ):
            checkup.status = CheckupStatus.CANCELLED
        add_step(
            session, case, StepKind.REVOKED, actor, statement=statement.strip(), post_id=post_id
        )
        set_status(session, case, CaseStatus.REVOKED, "consent revoked by the person", actor)
    return cases


_AUTHORIZED = (CaseStatus.APPROVED, CaseStatus.SUSPENDED)
