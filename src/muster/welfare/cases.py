"""Consent cases: opening, interviews, the screening step, approval, and stopping.

Every step is a row of ``CaseStep`` (who, when, what) and an event. The rules on who may
take a step are Cedar rules (``policies/welfare.cedar``) over the case as computed by
``policy.case_resource``; a caller who could take the step on no case at all is refused
first, before anything is looked up (``policy.require_may_ever``). A doubtful, coerced or
unwilling assessment, a positive screening or a hold stops an open case; a stopped case
stays stopped. The person may open a new one, except that coercion or unwillingness bars a
new case for that vessel for a cooling-off period (``welfare.findings``).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster import clock
from muster.access.holds import open_holds
from muster.db import new_id
from muster.errors import Conflict, Invalid, NotFound
from muster.events.service import append_event
from muster.people.enums import Affiliation, PartyKind, PersonStatus
from muster.people.models import Person
from muster.people.service import find_party, find_person
from muster.policy.actor import Actor
from muster.schemas import number_in
from muster.welfare.enums import ACTIVE_STATUSES, Assessment, Capacity, CaseStatus, StepKind
from muster.welfare.findings import barred_until, earlier_findings
from muster.welfare.models import CaseStep, ConsentCase
from muster.welfare.policy import case_resource, require, require_may_ever, screening_state
from muster.welfare.settings import get_welfare_settings
from muster.welfare.texts import current_consent_text


def _window(window: timedelta | None) -> timedelta:
    return window if window is not None else get_welfare_settings().screening_window


def add_step(
    session: Session, case: ConsentCase, kind: StepKind, actor: Actor, **fields: object
) -> CaseStep:
    """Record one step of a case, taken now by ``actor``."""
    step = CaseStep(
        case_id=case.id, kind=kind, at=clock.now(), by_id=actor.id, by=actor.label, **fields
    )
    session.add(step)
    session.flush()
    return step


def set_status(
    session: Session, case: ConsentCase, status: CaseStatus, reason: str, actor: Actor
) -> None:
    """Move a case to ``status`` and log it."""
    previous = case.status
    case.status = status
    case.status_reason = reason
    case.status_at = clock.now()
    session.flush()
    append_event(
        session,
        kind=f"welfare.case.{status.value}",
        actor=actor,
        subjects=[case.id, case.person_id, case.vessel_party_id],
        payload={"number": case.number, "from": previous.value, "reason": reason},
    )


def get_case(session: Session, case_id: str) -> ConsentCase:
    """A case by id, or by its number (``W-3`` or ``3``)."""
    row = session.get(ConsentCase, case_id)
    number = number_in(case_id, prefix="W-")
    if row is None and number is not None:
        row = session.scalar(select(ConsentCase).where(ConsentCase.number == number))
    if row is None:
        raise NotFound(f"no consent case {case_id!r}; list cases to find it")
    return row


def list_cases(
    session: Session,
    *,
    status: CaseStatus | None = None,
    person_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[ConsentCase], int]:
    """Cases, newest first."""
    query = select(ConsentCase)
    if status is not None:
        query = query.where(ConsentCase.status == status)
    if person_id is not None:
        query = query.where(ConsentCase.person_id == person_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(ConsentCase.number.desc()).limit(limit).offset(offset))
    return list(rows.all()), total


def active_cases(session: Session, person_id: str) -> list[ConsentCase]:
    """The person's cases that are open, approved or suspended."""
    query = select(ConsentCase).where(
        ConsentCase.person_id == person_id, ConsentCase.status.in_(ACTIVE_STATUSES)
    )
    return list(session.scalars(query.order_by(ConsentCase.number)).all())


def open_case(
    session: Session, *, person_id: str, vessel_party_id: str, statement: str, actor: Actor
) -> ConsentCase:
    """Open a case: the person asks (or an officer asks on their behalf) to go to a vessel.

    ``person_id`` and ``vessel_party_id`` may also be a badge or a name. The current
    consent text is fixed to the case, with its digest, for good. Refused while a finding
    of coercion or unwillingness for that vessel is in its cooling-off period; an earlier
    finding is written on the new case's first step.
    """
    require_may_ever(actor, "consent.open", "(new)", own=True)
    person = find_person(session, person_id)
    vessel = find_party(session, vessel_party_id)
    if vessel.kind is not PartyKind.VESSEL:
        raise Invalid(f"{vessel.name} is not a vessel; a transfer is to a vessel")
    if person.affiliation is Affiliation.VISITOR:
        raise Invalid("consent cases are for residents and crew; visitors return to their vessel")
    if person.status is PersonStatus.DECEASED or person.archived_at is not None:
        raise Invalid(f"{person.name} is not on the active register")
    clash = [c for c in active_cases(session, person.id) if c.vessel_party_id == vessel.id]
    if clash:
        raise Conflict(f"{person.name} already has case W-{clash[0].number} for {vessel.name}")
    now = clock.now()
    settings = get_welfare_settings()
    findings = earlier_findings(session, person_id=person.id, vessel_party_id=vessel.id)
    until = barred_until(findings, settings.cooling_off)
    if until is not None and now < until:
        raise Conflict(
            f"no new case for {person.name} to {vessel.name} until {until:%Y-%m-%d %H:%M} "
            f"UTC ({settings.cooling_off_hours:g} hours cooling-off after {findings[-1].words()})"
        )
    text = current_consent_text(session)
    number = (session.scalar(select(func.max(ConsentCase.number))) or 0) + 1
    case = ConsentCase(
        id=new_id(),
        number=number,
        person_id=person.id,
        vessel_party_id=vessel.id,
        status=CaseStatus.OPEN,
        consent_text_id=text.id,
        consent_sha256=text.sha256,
        request_statement=statement.strip(),
        opened_by=actor.label,
        opened_at=now,
        status_at=now,
    )
    require(
        actor,
        "consent.open",
        case_resource(session, case, at=now, window=settings.screening_window),
    )
    session.add(case)
    session.flush()
    earlier = "; ".join(f.words() for f in findings)
    add_step(
        session,
        case,
        StepKind.OPENED,
        actor,
        statement=case.request_statement,
        note=f"earlier finding: {earlier}" if earlier else "",
    )
    append_event(
        session,
        kind="welfare.case.opened",
        actor=actor,
        subjects=[case.id, person.id, vessel.id],
        payload={
            "number": number,
            "person": person.name,
            "vessel": vessel.name,
            "consent_text_version": text.version,
            "earlier_findings": [f.words() for f in findings],
        },
    )
    return case


def stop_if_blocked(
    session: Session, case: ConsentCase, actor: Actor, *, window: timedelta | None = None
) -> bool:
    """Stop an open case if the person is held or a latest screening is positive."""
    if case.status is not CaseStatus.OPEN:
        return False
    holds = open_holds(session, case.person_id)
    reason = f"hold on the person: {holds[0].reason}" if holds else ""
    if not reason:
        state = screening_state(session, case.person_id, at=clock.now(), window=_window(window))
        reason = state.reason if state.positive else ""
    if not reason:
        return False
    add_step(session, case, StepKind.STOPPED, actor, note=reason)
    set_status(session, case, CaseStatus.STOPPED, reason, actor)
    return True


def _require_open(case: ConsentCase) -> None:
    if case.status is not CaseStatus.OPEN:
        raise Conflict(
            f"case W-{case.number} is {case.status.value}"
            + (f" ({case.status_reason})" if case.status_reason else "")
            + "; no further steps are taken on it"
        )


def record_interview(
    session: Session,
    *,
    case_id: str,
    stated_wish: str,
    assessment: Assessment,
    present_ids: list[str],
    note: str = "",
    actor: Actor,
) -> CaseStep:
    """Record an interview held by the acting welfare officer in person.

    ``present_ids``: everyone present besides the officer and the person (ids, badges or
    names); refused if any belongs to the receiving party. A doubtful, coerced or
    unwilling assessment stops the case.
    """
    require_may_ever(actor, "consent.interview", case_id, {"present_party_ids": []})
    case = get_case(session, case_id)
    _require_open(case)
    if not stated_wish.strip():
        raise Invalid("record the wish the person stated, in their own words")
    present = list({p.id: p for p in (find_person(session, r) for r in present_ids)}.values())
    party_ids = sorted({p.party_id for p in present if p.party_id})
    window = get_welfare_settings().screening_window
    resource = case_resource(session, case, at=clock.now(), window=window)
    require(actor, "consent.interview", resource, {"present_party_ids": party_ids})
    step = add_step(
        session,
        case,
        StepKind.INTERVIEW,
        actor,
        officer_person_id=actor.person_id,
        assessment=assessment,
        statement=stated_wish.strip(),
        present_ids=[p.id for p in present],
        note=note.strip(),
    )
    append_event(
        session,
        kind="welfare.case.interviewed",
        actor=actor,
        subjects=[case.id, case.person_id, step.id],
        payload={"number": case.number, "assessment": assessment.value},
    )
    if assessment is not Assessment.FREE_CHOICE:
        reason = f"interview assessed {assessment.value.replace('_', ' ')} by {actor.label}"
        add_step(session, case, StepKind.STOPPED, actor, note=reason)
        set_status(session, case, CaseStatus.STOPPED, reason, actor)
    else:
        stop_if_blocked(session, case, actor)
    return step


def record_screening_step(
    session: Session, *, case_id: str, actor: Actor, window: timedelta | None = None
) -> CaseStep:
    """Record the screening the case relies on (the person's latest, from the medical
    record). A positive result stops the case; a missing or stale one is refused."""
    require_may_ever(actor, "consent.screening", case_id)
    case = get_case(session, case_id)
    _require_open(case)
    now = clock.now()
    require(
        actor, "consent.screening", case_resource(session, case, at=now, window=_window(window))
    )
    state = screening_state(session, case.person_id, at=now, window=_window(window))
    if state.positive:
        assert state.screening is not None
        step = add_step(
            session,
            case,
            StepKind.SCREENING,
            actor,
            screening_id=state.screening.id,
            note=state.reason,
        )
        stop_if_blocked(session, case, actor, window=window)
        return step
    if not state.clear or state.screening is None:
        raise Conflict(f"{state.reason}; screen the person, then record this step")
    return add_step(
        session,
        case,
        StepKind.SCREENING,
        actor,
        screening_id=state.screening.id,
        note=state.reason,
    )


def approve_case(
    session: Session,
    *,
    case_id: str,
    capacity: Capacity,
    note: str = "",
    actor: Actor,
    window: timedelta | None = None,
) -> ConsentCase:
    """Approve a case as a welfare officer or as the commander.

    Needs two interviews assessed free choice, a negative screening within the window and
    no hold; the approver conducted neither interview and had no part in an earlier case
    of the person for this vessel that found coercion or unwillingness. When the policy's
    ``consent.grant`` rules are then met, the transfer is authorized.
    """
    from muster.welfare.transfer import grant_if_complete

    require_may_ever(actor, "consent.approve", case_id, {"capacity": capacity.value})
    case = get_case(session, case_id)
    _require_open(case)
    if stop_if_blocked(session, case, actor, window=window):
        return case
    now = clock.now()
    state = screening_state(session, case.person_id, at=now, window=_window(window))
    if not state.clear:
        raise Conflict(f"approval needs a current negative screening: {state.reason}")
    resource = case_resource(session, case, at=now, window=_window(window))
    require(actor, "consent.approve", resource, {"capacity": capacity.value})
    assert state.screening is not None
    add_step(
        session,
        case,
        StepKind.APPROVAL,
        actor,
        officer_person_id=actor.person_id,
        capacity=capacity.value,
        screening_id=state.screening.id,
        note=note.strip(),
    )
    append_event(
        session,
        kind="welfare.case.approval_recorded",
        actor=actor,
        subjects=[case.id, case.person_id],
        payload={"number": case.number, "capacity": capacity.value},
    )
    grant_if_complete(session, case=case, actor=actor, window=_window(window))
    return case


def person_name(session: Session, person_id: str) -> str:
    """A person's name for messages."""
    return session.scalar(select(Person.name).where(Person.id == person_id)) or person_id
