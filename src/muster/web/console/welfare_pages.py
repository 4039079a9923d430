"""Welfare: the board of consent cases by step with check-ups due and overdue, and a
case's page with every step (who, when) and the forms the operator's role may use.

The welfare services authorize each step themselves through the Cedar rules of
``welfare.cedar`` (two different interviewers, approval by neither, a current screening,
no hold); the console calls them exactly as the API does and shows a form only when the
same rule would let the operator take the step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, Response

from muster import clock
from muster.errors import DomainError
from muster.events.service import last_seq
from muster.people.enums import PartyKind
from muster.people.service import get_party, list_parties
from muster.policy.authorize import is_allowed
from muster.web.console.forms import person_names, persons_for_pick, refused
from muster.web.console.fragments import fill, fragment
from muster.web.console.rendering import redirect, render
from muster.web.console.viewer import FormViewerDep, Viewer, ViewerDep, require
from muster.web.deps import SessionDep
from muster.welfare import cases, checkups, transfer
from muster.welfare.enums import Assessment, Capacity, CaseStatus, StepKind
from muster.welfare.models import ConsentCase
from muster.welfare.policy import case_resource, case_steps
from muster.welfare.settings import get_welfare_settings
from muster.welfare.texts import get_consent_text

router = APIRouter()
LISTED = 200


@dataclass(frozen=True)
class CaseLine:
    """A case on the board: where it stands and how far its steps have come."""

    case: ConsentCase
    person: str
    vessel: str
    interviews: int
    screened: bool
    approvals: int
    stage: str


def stage_of(case: ConsentCase, interviews: int, screened: bool, approvals: int) -> str:
    """The next thing an open case needs, in words; the status for any other case."""
    if case.status is not CaseStatus.OPEN:
        return case.status.value
    if interviews < 2:
        return f"interview {interviews + 1} of 2"
    if not screened:
        return "screening"
    return "approval" if approvals == 0 else "commander's approval"


def case_line(session: Session, case: ConsentCase, names: Mapping[str, str]) -> CaseLine:
    """One case's line on the board."""
    steps = case_steps(session, case.id)
    interviews = sum(1 for s in steps if s.kind is StepKind.INTERVIEW)
    screened = any(s.kind is StepKind.SCREENING for s in steps)
    approvals = sum(1 for s in steps if s.kind is StepKind.APPROVAL)
    return CaseLine(
        case,
        names.get(case.person_id, case.person_id),
        get_party(session, case.vessel_party_id).name,
        interviews,
        screened,
        approvals,
        stage_of(case, interviews, screened, approvals),
    )


@fragment("welfare_cases", action="welfare.read")
def cases_part(session: Session, _viewer: Any, _params: Mapping[str, str]) -> dict[str, Any]:
    """Consent cases grouped by status, each with the step it is at."""
    rows, total = cases.list_cases(session, limit=LISTED)
    names = person_names(session, [r.person_id for r in rows])
    lines = [case_line(session, r, names) for r in rows]
    groups = [(s.value, [line for line in lines if line.case.status is s]) for s in CaseStatus]
    return {"case_groups": groups, "cases_total": total}


@router.get("/welfare", response_class=HTMLResponse)
def welfare_board(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    """Cases by step, check-ups due and overdue, and the form to open a case."""
    require(viewer, "welfare.board")
    context = fill(session, viewer, ["welfare_cases", "welfare_due"], {})
    may_open = viewer.can("consent.open")
    context.update({"may_open": may_open, "live_after": last_seq(session)})
    if may_open:
        parties, _ = list_parties(session, limit=200)
        context["vessels"] = [p for p in parties if p.kind is PartyKind.VESSEL]
        context["persons"] = persons_for_pick(session)
    return render(request, "welfare.html", viewer, context)


def case_forms(session: Session, viewer: Viewer, case: ConsentCase) -> dict[str, Any]:
    """Which steps the operator may take on the case now, by the same rules as the service."""
    window = get_welfare_settings().screening_window
    resource = case_resource(session, case, at=clock.now(), window=window)
    actor = viewer.actor
    return {
        "may_interview": is_allowed(
            actor, "consent.interview", resource, {"present_party_ids": []}
        ),
        "may_screen": case.status is CaseStatus.OPEN
        and is_allowed(actor, "consent.screening", resource),
        "approve_as": [
            c.value
            for c in Capacity
            if is_allowed(actor, "consent.approve", resource, {"capacity": c.value})
        ],
        "may_revoke": case.status in (CaseStatus.OPEN, CaseStatus.APPROVED, CaseStatus.SUSPENDED)
        and is_allowed(actor, "consent.revoke", resource),
        "may_checkup": case.status in (CaseStatus.APPROVED, CaseStatus.SUSPENDED)
        and viewer.can("checkup.record"),
    }


@router.get("/welfare/cases/{case_id}", response_class=HTMLResponse)
def case_page(
    case_id: str, request: Request, session: SessionDep, viewer: ViewerDep
) -> HTMLResponse:
    """One case: its consent text version, every step with who and when, and the forms."""
    require(viewer, "welfare.read")
    case = cases.get_case(session, case_id)
    steps = case_steps(session, case.id)
    ids = [case.person_id, *(p for s in steps for p in s.present_ids)]
    context: dict[str, Any] = {
        "case": case,
        "steps": steps,
        "names": person_names(session, ids),
        "vessel": get_party(session, case.vessel_party_id).name,
        "consent_text": get_consent_text(session, case.consent_text_id),
        "pending": checkups.pending_checkup(session, case.id),
        "assessments": list(Assessment),
        "persons": persons_for_pick(session),
        "live_after": last_seq(session),
    }
    context.update(case_forms(session, viewer, case))
    return render(request, "welfare_case.html", viewer, context)


@router.post("/welfare/cases", response_model=None)
def open_case(
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    person_id: Annotated[str, Form(max_length=36)],
    vessel_party_id: Annotated[str, Form(max_length=36)],
    statement: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Open a consent case (the person's request, or an officer's on their behalf)."""
    try:
        case = cases.open_case(
            session,
            person_id=person_id,
            vessel_party_id=vessel_party_id,
            statement=statement,
            actor=viewer.actor,
        )
    except (DomainError, ValueError) as exc:
        return refused(request, session, "/welfare", exc)
    return redirect(request, f"/welfare/cases/{case.id}", f"Case W-{case.number} opened.")


@router.post("/welfare/cases/{case_id}/interviews", response_model=None)
def interview(
    case_id: str,
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    stated_wish: Annotated[str, Form(max_length=8000)],
    assessment: Annotated[str, Form(max_length=20)],
    present: Annotated[list[str] | None, Form()] = None,
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Record the signed-in welfare officer's interview."""
    back = f"/welfare/cases/{case_id}"
    try:
        cases.record_interview(
            session,
            case_id=case_id,
            stated_wish=stated_wish,
            assessment=Assessment(assessment),
            present_ids=[p for p in present or [] if p],
            note=note,
            actor=viewer.actor,
        )
    except (DomainError, ValueError) as exc:
        return refused(request, session, back, exc)
    return redirect(request, back, "Interview recorded.")


@router.post("/welfare/cases/{case_id}/screening", response_model=None)
def screening(
    case_id: str, request: Request, session: SessionDep, viewer: FormViewerDep
) -> Response:
    """Record the screening the case relies on (the latest in the medical record)."""
    back = f"/welfare/cases/{case_id}"
    try:
        cases.record_screening_step(session, case_id=case_id, actor=viewer.actor)
    except DomainError as exc:
        return refused(request, session, back, exc)
    return redirect(request, back, "Screening step recorded.")


@router.post("/welfare/cases/{case_id}/approvals", response_model=None)
def approve(
    case_id: str,
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    capacity: Annotated[str, Form(max_length=20)],
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Approve as welfare officer or as commander."""
    back = f"/welfare/cases/{case_id}"
    try:
        case = cases.approve_case(
            session, case_id=case_id, capacity=Capacity(capacity), note=note, actor=viewer.actor
        )
    except (DomainError, ValueError) as exc:
        return refused(request, session, back, exc)
    note = f"Approval recorded; case W-{case.number} is {case.status.value}."
    return redirect(request, back, note)


@router.post("/welfare/cases/{case_id}/revoke", response_model=None)
def revoke(
    case_id: str,
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    statement: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """The person withdraws consent, on their word: the transfer ends now."""
    back = f"/welfare/cases/{case_id}"
    try:
        transfer.revoke_consent(session, case_id=case_id, statement=statement, actor=viewer.actor)
    except DomainError as exc:
        return refused(request, session, back, exc)
    return redirect(request, back, "Consent revoked; the next airlock request will be denied.")


@router.post("/welfare/cases/{case_id}/checkups", response_model=None)
def checkup(
    case_id: str,
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    still_wishes_to_stay: Annotated[str, Form(max_length=5)],
    statement: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Record the signed-in officer's check-up held in person."""
    back = f"/welfare/cases/{case_id}"
    try:
        checkups.record_checkup(
            session,
            case_id=case_id,
            still_wishes_to_stay=still_wishes_to_stay == "yes",
            statement=statement,
            actor=viewer.actor,
        )
    except DomainError as exc:
        return refused(request, session, back, exc)
    return redirect(request, back, "Check-up recorded.")
