"""The transfer an approved case grants, and what ends or pauses it.

The authorization itself is the access domain's ``TransferAuthorization`` (one person,
one vessel, a window); the airlocks read it at every decision. An approved case holds one
valid until the next check-up is due, so an overdue check-up ends it at that moment even
before the scheduler notices; a check-up done renews it. Revocation ends it at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster import clock
from muster.access.models import TransferAuthorization
from muster.access.passes import grant_transfer, revoke_transfer
from muster.errors import Conflict, Invalid
from muster.events.service import append_event
from muster.policy.actor import Actor
from muster.policy.authorize import decide_operator
from muster.welfare.cases import active_cases, add_step, get_case, set_status
from muster.welfare.enums import PENDING_CHECKUP, CaseStatus, CheckupStatus, StepKind
from muster.welfare.models import Checkup, ConsentCase
from muster.welfare.policy import case_resource, require
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


def _end_transfer(session: Session, case: ConsentCase, actor: Actor) -> None:
    if case.transfer_id is None:
        return
    row = session.get(TransferAuthorization, case.transfer_id)
    if row is not None and row.revoked_at is None:
        revoke_transfer(session, transfer_id=row.id, actor=actor)


def _grant(session: Session, case: ConsentCase, until: datetime, actor: Actor) -> None:
    _end_transfer(session, case, actor)
    row = grant_transfer(
        session,
        person_id=case.person_id,
        vessel_party_id=case.vessel_party_id,
        valid_from=clock.now(),
        valid_until=until,
        source=f"consent case W-{case.number}",
        actor=actor,
    )
    case.transfer_id = row.id


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
    """Authorize the transfer if the policy's ``consent.grant`` rules are met now."""
    resource = case_resource(session, case, at=clock.now(), window=window)
    if not decide_operator(actor, "consent.grant", resource).allowed:
        return False
    due = clock.now() + get_welfare_settings().checkup_interval
    _grant(session, case, due, actor)
    schedule_checkup(session, case, due)
    add_step(session, case, StepKind.GRANTED, actor, note=f"valid until the check-up due {due}")
    set_status(session, case, CaseStatus.APPROVED, "approved; transfer authorized", actor)
    return True


def renew(session: Session, *, case: ConsentCase, until: datetime, actor: Actor) -> None:
    """After a check-up: the authorization runs to the next check-up (resumes if suspended)."""
    if case.status not in (CaseStatus.APPROVED, CaseStatus.SUSPENDED):
        raise Conflict(f"case W-{case.number} is {case.status.value}; nothing to renew")
    _grant(session, case, until, actor)
    add_step(session, case, StepKind.RENEWED, actor, note=f"valid until {until}")
    if case.status is CaseStatus.SUSPENDED:
        set_status(session, case, CaseStatus.APPROVED, "check-up done; transfer resumed", actor)


def suspend(session: Session, *, case: ConsentCase, reason: str, actor: Actor) -> None:
    """Pause the authorization (a check-up overdue or of concern) and alert the commander."""
    _end_transfer(session, case, actor)
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

    Name the case, or the person (every active case of theirs ends). Taken on the person's
    word by any officer at any post; the next airlock request is denied.
    """
    if (case_id is None) == (person_id is None):
        raise Invalid("name the case or the person, not both")
    if not statement.strip():
        raise Invalid("record what the person said, in their own words")
    cases = [get_case(session, case_id)] if case_id else active_cases(session, person_id or "")
    cases = [c for c in cases if c.status in (CaseStatus.OPEN, *_AUTHORIZED)]
    if not cases:
        raise Conflict("no open or approved consent case to revoke")
    window = get_welfare_settings().screening_window
    for case in cases:
        require(
            actor, "consent.revoke", case_resource(session, case, at=clock.now(), window=window)
        )
        _end_transfer(session, case, actor)
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
