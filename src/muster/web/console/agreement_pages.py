"""Agreements with a visiting party: the list, and one agreement's terms with their owners,
due dates, status and the evidence each status rests on.

A term's status changes only with evidence; the service authorizes the change
(``agreement.term.status``) as it does for the API, and a breach alerts the commander.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import HTMLResponse, Response

from muster.agreements import returns, service
from muster.agreements.bearing import BEARINGS
from muster.agreements.enums import EvidenceKind, TermKind, TermStatus
from muster.agreements.evidence import term_evidence
from muster.agreements.schemas import EvidenceIn
from muster.errors import DomainError
from muster.events.service import last_seq
from muster.people.service import get_party
from muster.web.console.forms import person_names, refused
from muster.web.console.rendering import redirect, render
from muster.web.console.viewer import FormViewerDep, ViewerDep, require
from muster.web.deps import SessionDep

router = APIRouter()
LISTED = 100


@router.get("/agreements", response_class=HTMLResponse)
def agreement_list(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    """Agreements, newest first, with each party."""
    require(viewer, "agreement.read")
    rows, total = service.list_agreements(session, limit=LISTED)
    parties = {r.party_id: get_party(session, r.party_id).name for r in rows}
    context = {"agreements": rows, "total": total, "parties": parties}
    return render(request, "agreements.html", viewer, context)


@router.get("/agreements/{agreement_id}", response_class=HTMLResponse)
def agreement_page(
    agreement_id: str, request: Request, session: SessionDep, viewer: ViewerDep
) -> HTMLResponse:
    """One agreement: its text, signatories and terms, each with evidence."""
    require(viewer, "agreement.read")
    agreement = service.get_agreement(session, agreement_id)
    terms = service.list_terms(session, agreement.id)
    owners = person_names(
        session, [t.station_owner_id for t in terms] + [t.party_owner_id for t in terms]
    )
    terms_view: list[dict[str, Any]] = []
    for term in terms:
        progress = returns.return_progress(session, term) if term.kind is TermKind.RETURN else []
        terms_view.append(
            {
                "term": term,
                "evidence": term_evidence(session, term.id),
                "progress": progress,
                "proven_by": BEARINGS[term.kind].what,
            }
        )
    context = {
        "agreement": agreement,
        "party": get_party(session, agreement.party_id).name,
        "terms": terms_view,
        "owners": owners,
        "statuses": list(TermStatus),
        "evidence_kinds": list(EvidenceKind),
        "may_set_status": viewer.can("agreement.term.status"),
        "live_after": last_seq(session),
    }
    return render(request, "agreement.html", viewer, context)


@router.post("/agreements/{agreement_id}/terms/{term_id}/status", response_model=None)
def set_status(
    agreement_id: str,
    term_id: str,
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    status: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=4000)] = "",
    evidence_kind: Annotated[str, Form(max_length=20)] = "",
    evidence_ref: Annotated[str, Form(max_length=200)] = "",
    evidence_note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Set a term's status with one piece of evidence and the reason."""
    back = f"/agreements/{agreement_id}"
    try:
        evidence = []
        if evidence_ref.strip():
            evidence.append(
                EvidenceIn(
                    kind=EvidenceKind(evidence_kind),
                    ref=evidence_ref.strip(),
                    note=evidence_note,
                )
            )
        term = service.set_term_status(
            session,
            term_id=term_id,
            status=TermStatus(status),
            reason=reason,
            evidence=evidence,
            actor=viewer.actor,
        )
    except (DomainError, ValueError) as exc:
        return refused(request, session, back, exc)
    return redirect(request, back, f"Term {term.number} is now {term.status.value}.")


@router.post("/agreements/{agreement_id}/terms/{term_id}/evaluate", response_model=None)
def evaluate(
    agreement_id: str,
    term_id: str,
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
) -> Response:
    """Check a return term against the record; it is set met when everyone is back."""
    back = f"/agreements/{agreement_id}"
    try:
        term, progress = returns.evaluate_return_term(session, term_id=term_id, actor=viewer.actor)
    except DomainError as exc:
        return refused(request, session, back, exc)
    back_count = sum(1 for p in progress if p.passage_id and p.screening_id)
    note = (
        f"Term {term.number}: {back_count} of {len(progress)} back and screened; "
        f"{term.status.value}."
    )
    return redirect(request, back, note)
