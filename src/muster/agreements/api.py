"""Agreements, their terms and evidence, and return requests over HTTP."""

from __future__ import annotations

from fastapi import APIRouter, status

from muster.agreements import returns, service
from muster.agreements.enums import ReturnStatus
from muster.agreements.evidence import term_evidence
from muster.agreements.schemas import (
    AgreementCreate,
    AgreementDetail,
    AgreementRead,
    EvidenceRead,
    ReturnClose,
    ReturnProgress,
    ReturnRequestRead,
    TermCreate,
    TermDetail,
    TermRead,
    TermStatusSet,
)
from muster.policy.authorize import authorize
from muster.schemas import Page
from muster.web.deps import CurrentActor, PageDep, SessionDep

router = APIRouter(prefix="/api/v1/agreements", tags=["agreements"])


def _term(session: SessionDep, term_id: str) -> TermDetail:
    term = service.get_term(session, term_id)
    evidence = [EvidenceRead.model_validate(e) for e in term_evidence(session, term.id)]
    return TermDetail.model_validate(
        {**TermRead.model_validate(term).model_dump(), "evidence": evidence}
    )


def _detail(session: SessionDep, agreement_id: str) -> AgreementDetail:
    row = service.get_agreement(session, agreement_id)
    terms = [_term(session, t.id) for t in service.list_terms(session, row.id)]
    return AgreementDetail.model_validate(
        {**AgreementRead.model_validate(row).model_dump(), "terms": terms}
    )


@router.post("", status_code=status.HTTP_201_CREATED)
def record_agreement(
    data: AgreementCreate, session: SessionDep, actor: CurrentActor
) -> AgreementDetail:
    """Record an agreement with a party, and its terms."""
    row = service.record_agreement(session, data=data, actor=actor)
    return _detail(session, row.id)


@router.get("")
def read_agreements(session: SessionDep, actor: CurrentActor, page: PageDep) -> Page[AgreementRead]:
    """Agreements, newest first."""
    authorize(actor, "agreement.read")
    rows, total = service.list_agreements(session, limit=page.limit, offset=page.offset)
    items = [AgreementRead.model_validate(r) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/return-requests")
def read_return_requests(
    session: SessionDep,
    actor: CurrentActor,
    page: PageDep,
    status: ReturnStatus | None = None,
) -> Page[ReturnRequestRead]:
    """Return requests, newest first."""
    authorize(actor, "agreement.read")
    rows, total = returns.list_return_requests(
        session, status=status, limit=page.limit, offset=page.offset
    )
    items = [ReturnRequestRead.model_validate(r) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("/return-requests/{request_id}/close")
def close_return_request(
    request_id: str, data: ReturnClose, session: SessionDep, actor: CurrentActor
) -> ReturnRequestRead:
    """Close a return request as fulfilled or withdrawn."""
    row = returns.close_return_request(
        session, request_id=request_id, status=data.status, reason=data.reason, actor=actor
    )
    return ReturnRequestRead.model_validate(row)


@router.get("/{agreement_id}")
def read_agreement(agreement_id: str, session: SessionDep, actor: CurrentActor) -> AgreementDetail:
    """An agreement (id or A-number) with its terms and their evidence."""
    authorize(actor, "agreement.read")
    return _detail(session, agreement_id)


@router.post("/{agreement_id}/terms", status_code=status.HTTP_201_CREATED)
def add_term(
    agreement_id: str, data: TermCreate, session: SessionDep, actor: CurrentActor
) -> TermDetail:
    """Add a term with an owner on each side and a due date or recurrence."""
    term = service.add_term(session, agreement_id=agreement_id, data=data, actor=actor)
    return _term(session, term.id)


@router.post("/terms/{term_id}/status")
def set_term_status(
    term_id: str, data: TermStatusSet, session: SessionDep, actor: CurrentActor
) -> TermDetail:
    """Change a term's status: met, breached, waived or pending, with evidence."""
    service.set_term_status(
        session,
        term_id=term_id,
        status=data.status,
        reason=data.reason,
        evidence=data.evidence,
        actor=actor,
    )
    return _term(session, term_id)


@router.post("/terms/{term_id}/evaluate")
def evaluate_return_term(
    term_id: str, session: SessionDep, actor: CurrentActor
) -> list[ReturnProgress]:
    """Check a return term against the record; it is set met when every person is back."""
    _term_row, progress = returns.evaluate_return_term(session, term_id=term_id, actor=actor)
    return progress
