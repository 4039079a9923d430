"""Check-ups of persons living aboard another vessel: recording them, and the overdue job.

An approved case has one check-up pending at a time, due a set interval (weekly by
default) after the approval or the last check-up. A welfare officer records it in person:
that the person still wishes to stay, and a current negative screening. Then the
authorization runs to the next due date. ``run_due_checkups`` (a scheduler job) marks
check-ups overdue (authorization suspended, commander alerted) and, after a grace period,
missed (a return request opened under the agreement with the vessel's party).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster import clock
from muster.errors import Conflict, Forbidden, NotFound
from muster.events.service import append_event
from muster.policy.actor import Actor
from muster.policy.authorize import authorize
from muster.welfare.cases import get_case, person_name
from muster.welfare.enums import PENDING_CHECKUP, CaseStatus, CheckupStatus
from muster.welfare.models import Checkup, ConsentCase
from muster.welfare.policy import screening_state
from muster.welfare.settings import get_welfare_settings
from muster.welfare.transfer import raise_alert, renew, revoke_consent, schedule_checkup, suspend

SCHEDULER = Actor.system("welfare-checkups")


def pending_checkup(session: Session, case_id: str) -> Checkup | None:
    """The case's check-up not yet done, if any."""
    query = (
        select(Checkup)
        .where(Checkup.case_id == case_id, Checkup.status.in_(PENDING_CHECKUP))
        .order_by(Checkup.due_at)
        .limit(1)
    )
    return session.scalar(query)


def get_checkup(session: Session, checkup_id: str) -> Checkup:
    """One check-up."""
    row = session.get(Checkup, checkup_id)
    if row is None:
        raise NotFound(f"no check-up with id {checkup_id!r}")
    return row


def record_checkup(
    session: Session,
    *,
    case_id: str,
    still_wishes_to_stay: bool,
    statement: str,
    actor: Actor,
    window: timedelta | None = None,
) -> Checkup:
    """Record a check-up held in person by the acting welfare officer.

    The person no longer wishing to stay revokes their consent; a positive screening
    suspends the authorization; otherwise it is renewed to the next check-up.
    """
    authorize(actor, "checkup.record")
    case = get_case(session, case_id)
    if actor.person_id == case.person_id:
        raise Forbidden("no one records their own check-up")
    if case.status not in (CaseStatus.APPROVED, CaseStatus.SUSPENDED):
        raise Conflict(f"case W-{case.number} is {case.status.value}; it has no check-ups")
    now = clock.now()
    settings = get_welfare_settings()
    state = screening_state(
        session, case.person_id, at=now, window=window or settings.screening_window
    )
    if still_wishes_to_stay and not state.positive and not state.clear:
        raise Conflict(f"a check-up records a current screening: {state.reason}; screen first")
    checkup = pending_checkup(session, case.id) or schedule_checkup(session, case, now)
    checkup.status = CheckupStatus.DONE
    checkup.done_at = now
    checkup.officer_person_id = actor.person_id
    checkup.officer = actor.label
    checkup.still_wishes_to_stay = still_wishes_to_stay
    checkup.statement = statement.strip()
    checkup.screening_id = state.screening.id if state.screening else None
    session.flush()
    append_event(
        session,
        kind="welfare.checkup.done",
        actor=actor,
        subjects=[checkup.id, case.id, case.person_id],
        payload={"number": case.number, "still_wishes_to_stay": still_wishes_to_stay},
    )
    if not still_wishes_to_stay:
        revoke_consent(
            session, case_id=case.id, statement=statement or "no longer wishes to stay", actor=actor
        )
    elif state.positive:
        suspend(session, case=case, reason=f"check-up found a {state.reason}", actor=actor)
    else:
        due = now + settings.checkup_interval
        schedule_checkup(session, case, due)
        renew(session, case=case, until=due, actor=actor)
    return checkup


def run_due_checkups(session: Session, *, now: datetime) -> int:
    """Mark check-ups overdue (suspend, alert) and missed (return request); how many changed."""
    settings = get_welfare_settings()
    handled = 0
    with clock.frozen_at(now):
        overdue = session.scalars(
            select(Checkup)
            .where(Checkup.status == CheckupStatus.DUE, Checkup.due_at <= now)
            .order_by(Checkup.due_at)
        ).all()
        for checkup in overdue:
            _mark_overdue(session, checkup, now)
            handled += 1
        missed = session.scalars(
            select(Checkup)
            .where(
                Checkup.status == CheckupStatus.OVERDUE,
                Checkup.due_at <= now - settings.missed_after,
            )
            .order_by(Checkup.due_at)
        ).all()
        for checkup in missed:
            _mark_missed(session, checkup, now)
            handled += 1
    return handled


def _mark_overdue(session: Session, checkup: Checkup, now: datetime) -> None:
    case = get_case(session, checkup.case_id)
    checkup.status = CheckupStatus.OVERDUE
    checkup.overdue_at = now
    name = person_name(session, checkup.person_id)
    append_event(
        session,
        kind="welfare.checkup.overdue",
        actor=SCHEDULER,
        subjects=[checkup.id, case.id, checkup.person_id],
        payload={"number": case.number, "person": name, "due_at": checkup.due_at},
    )
    suspend(
        session,
        case=case,
        reason=f"the check-up of {name} due {checkup.due_at:%Y-%m-%d %H:%M} UTC is overdue",
        actor=SCHEDULER,
    )


def _mark_missed(session: Session, checkup: Checkup, now: datetime) -> None:
    from muster.agreements.returns import open_return_request

    case = get_case(session, checkup.case_id)
    name = person_name(session, checkup.person_id)
    checkup.status = CheckupStatus.MISSED
    checkup.missed_at = now
    request = open_return_request(
        session,
        person_id=checkup.person_id,
        vessel_party_id=case.vessel_party_id,
        reason=f"welfare check-up due {checkup.due_at:%Y-%m-%d %H:%M} UTC was missed",
        source_id=checkup.id,
        actor=SCHEDULER,
    )
    checkup.return_request_id = request.id
    session.flush()
    append_event(
        session,
        kind="welfare.checkup.missed",
        actor=SCHEDULER,
        subjects=[checkup.id, case.id, checkup.person_id, request.id],
        payload={"number": case.number, "person": name, "due_at": checkup.due_at},
    )
    raise_alert(
        session,
        text=f"Check-up of {name} (case W-{case.number}) missed; return requested.",
        subjects=[checkup.id, case.id, checkup.person_id],
        actor=SCHEDULER,
        about="checkup.missed",
    )


def list_checkups(
    session: Session,
    *,
    statuses: tuple[CheckupStatus, ...] = PENDING_CHECKUP,
    person_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Checkup], int]:
    """Check-ups in the given states, soonest due first."""
    query = select(Checkup).where(Checkup.status.in_(statuses))
    if person_id is not None:
        query = query.where(Checkup.person_id == person_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Checkup.due_at).limit(limit).offset(offset))
    return list(rows.all()), total


def case_numbers(session: Session, case_ids: list[str]) -> dict[str, int]:
    """Case number of each case id."""
    if not case_ids:
        return {}
    rows = session.execute(
        select(ConsentCase.id, ConsentCase.number).where(ConsentCase.id.in_(case_ids))
    )
    return {row[0]: row[1] for row in rows}
