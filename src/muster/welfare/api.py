"""Consent cases, revocation, check-ups and the check-up calendar over HTTP.

Interviews, approvals and check-ups are taken by the signed-in officer in person: the
account must be linked to the officer's person record.
"""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from muster.policy.authorize import authorize
from muster.schemas import Page
from muster.web.deps import CurrentActor, PageDep, SessionDep
from muster.welfare import cases, checkups, texts, transfer
from muster.welfare.enums import PENDING_CHECKUP, CaseStatus, CheckupStatus
from muster.welfare.findings import earlier_findings
from muster.welfare.ical import checkup_calendar
from muster.welfare.policy import case_steps
from muster.welfare.schemas import (
    ApprovalCreate,
    CaseCreate,
    CaseDetail,
    CaseRead,
    CheckupCreate,
    CheckupRead,
    ConsentTextCreate,
    ConsentTextRead,
    InterviewCreate,
    RevocationCreate,
    StepRead,
)

router = APIRouter(prefix="/api/v1/welfare", tags=["welfare"])


def _detail(session: SessionDep, case_id: str) -> CaseDetail:
    case = cases.get_case(session, case_id)
    steps = [StepRead.model_validate(s) for s in case_steps(session, case.id)]
    findings = earlier_findings(
        session,
        person_id=case.person_id,
        vessel_party_id=case.vessel_party_id,
        before=case.number,
    )
    return CaseDetail.model_validate(
        {
            **CaseRead.model_validate(case).model_dump(),
            "steps": steps,
            "earlier_findings": [f.words() for f in findings],
        }
    )


@router.get("/consent-texts")
def read_consent_texts(session: SessionDep, actor: CurrentActor) -> list[ConsentTextRead]:
    """Every version of the consent text, newest first."""
    authorize(actor, "welfare.board")
    return [ConsentTextRead.model_validate(t) for t in texts.list_consent_texts(session)]


@router.post("/consent-texts", status_code=status.HTTP_201_CREATED)
def publish_consent_text(
    data: ConsentTextCreate, session: SessionDep, actor: CurrentActor
) -> ConsentTextRead:
    """Publish the next version; cases keep the version they were opened with."""
    row = texts.publish_consent_text(session, title=data.title, body=data.body, actor=actor)
    return ConsentTextRead.model_validate(row)


@router.post("/cases", status_code=status.HTTP_201_CREATED)
def open_case(data: CaseCreate, session: SessionDep, actor: CurrentActor) -> CaseDetail:
    """Open a consent case for a person (id, badge or name) and a vessel (id or name)."""
    row = cases.open_case(
        session,
        person_id=data.person_id,
        vessel_party_id=data.vessel_party_id,
        statement=data.statement,
        actor=actor,
    )
    return _detail(session, row.id)


@router.get("/cases")
def read_cases(
    session: SessionDep,
    actor: CurrentActor,
    page: PageDep,
    status: CaseStatus | None = None,
    person_id: str | None = None,
) -> Page[CaseRead]:
    """Consent cases, newest first."""
    authorize(actor, "welfare.read")
    rows, total = cases.list_cases(
        session, status=status, person_id=person_id, limit=page.limit, offset=page.offset
    )
    items = [CaseRead.model_validate(r) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/cases/{case_id}")
def read_case(case_id: str, session: SessionDep, actor: CurrentActor) -> CaseDetail:
    """A case (id or W-number) with every step, who took it and when."""
    authorize(actor, "welfare.read")
    return _detail(session, case_id)


@router.post("/cases/{case_id}/interviews", status_code=status.HTTP_201_CREATED)
def record_interview(
    case_id: str, data: InterviewCreate, session: SessionDep, actor: CurrentActor
) -> CaseDetail:
    """Record your interview: the stated wish in the person's words and your assessment."""
    step = cases.record_interview(
        session,
        case_id=case_id,
        stated_wish=data.stated_wish,
        assessment=data.assessment,
        present_ids=data.present_ids,
        note=data.note,
        actor=actor,
    )
    return _detail(session, step.case_id)


@router.post("/cases/{case_id}/screening", status_code=status.HTTP_201_CREATED)
def record_screening_step(case_id: str, session: SessionDep, actor: CurrentActor) -> CaseDetail:
    """Record the screening the case relies on (the latest in the medical record)."""
    step = cases.record_screening_step(session, case_id=case_id, actor=actor)
    return _detail(session, step.case_id)


@router.post("/cases/{case_id}/approvals", status_code=status.HTTP_201_CREATED)
def approve_case(
    case_id: str, data: ApprovalCreate, session: SessionDep, actor: CurrentActor
) -> CaseDetail:
    """Approve as welfare officer or commander; the transfer is authorized when complete."""
    row = cases.approve_case(
        session, case_id=case_id, capacity=data.capacity, note=data.note, actor=actor
    )
    return _detail(session, row.id)


@router.post("/revocations")
def revoke_consent(
    data: RevocationCreate, session: SessionDep, actor: CurrentActor
) -> list[CaseRead]:
    """The person withdraws consent (on their word, at any post): their transfer ends now."""
    rows = transfer.revoke_consent(
        session,
        case_id=data.case_id,
        person_id=data.person_id,
        statement=data.statement,
        post_id=data.post_id,
        actor=actor,
    )
    return [CaseRead.model_validate(r) for r in rows]


@router.get("/checkups")
def read_checkups(
    session: SessionDep,
    actor: CurrentActor,
    page: PageDep,
    status: CheckupStatus | None = None,
    person_id: str | None = None,
) -> Page[CheckupRead]:
    """Check-ups due, overdue and missed (or of one status), soonest due first."""
    authorize(actor, "welfare.board")
    statuses = (status,) if status is not None else PENDING_CHECKUP
    rows, total = checkups.list_checkups(
        session, statuses=statuses, person_id=person_id, limit=page.limit, offset=page.offset
    )
    items = [CheckupRead.model_validate(r) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/checkups.ics", response_class=Response)
def read_calendar(session: SessionDep, actor: CurrentActor) -> Response:
    """The check-up schedule as iCalendar."""
    authorize(actor, "welfare.board")
    return Response(
        checkup_calendar(session),
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="welfare-checkups.ics"'},
    )


@router.post("/cases/{case_id}/checkups", status_code=status.HTTP_201_CREATED)
def record_checkup(
    case_id: str, data: CheckupCreate, session: SessionDep, actor: CurrentActor
) -> CheckupRead:
    """Record your check-up in person: whether the person still wishes to stay."""
    row = checkups.record_checkup(
        session,
        case_id=case_id,
        still_wishes_to_stay=data.still_wishes_to_stay,
        statement=data.statement,
        actor=actor,
    )
    return CheckupRead.model_validate(row)
