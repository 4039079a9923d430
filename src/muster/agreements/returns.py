"""Return terms and return requests: persons to come back aboard from a vessel.

A ``return`` term is met when each listed person has passed back through an airlock
since the agreement and been screened after that passage; ``evaluate_return_term`` reads
this from the access and medical records and sets the term met with those records as
evidence. A return request (opened, e.g., when a welfare check-up is missed) is filed
under the latest agreement with the vessel's party.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster import clock
from muster.access.enums import Direction
from muster.access.models import Passage
from muster.agreements.enums import EvidenceKind, ReturnStatus, TermKind, TermStatus
from muster.agreements.models import AgreementTerm, ReturnRequest
from muster.agreements.schemas import EvidenceIn, ReturnProgress
from muster.agreements.service import get_agreement, get_term, latest_agreement_with
from muster.agreements.service import set_term_status as _set_status
from muster.errors import Conflict, Invalid, NotFound
from muster.events.service import append_event
from muster.medical.models import Screening
from muster.people.models import Person
from muster.people.service import get_party, get_person
from muster.places.enums import PortalKind
from muster.places.models import Portal
from muster.policy.actor import Actor
from muster.policy.authorize import authorize


def return_progress(session: Session, term: AgreementTerm) -> list[ReturnProgress]:
    """For each listed person: the airlock passage back aboard and the screening after it."""
    agreement = get_agreement(session, term.agreement_id)
    out: list[ReturnProgress] = []
    for person_id in term.person_ids:
        name = session.scalar(select(Person.name).where(Person.id == person_id)) or person_id
        passage = session.scalar(
            select(Passage)
            .join(Portal, Portal.id == Passage.portal_id)
            .where(
                Passage.person_id == person_id,
                Passage.direction == Direction.ENTER.value,
                Portal.kind == PortalKind.AIRLOCK,
                Passage.at >= agreement.agreed_at,
            )
            .order_by(Passage.at.desc())
            .limit(1)
        )
        screening = None
        if passage is not None:
            screening = session.scalar(
                select(Screening)
                .where(Screening.person_id == person_id, Screening.performed_at >= passage.at)
                .order_by(Screening.performed_at)
                .limit(1)
            )
        out.append(
            ReturnProgress(
                person_id=person_id,
                name=name,
                passage_id=passage.id if passage else None,
                screening_id=screening.id if screening else None,
            )
        )
    return out


def evaluate_return_term(
    session: Session, *, term_id: str, actor: Actor
) -> tuple[AgreementTerm, list[ReturnProgress]]:
    """Set a pending return term met when every listed person is back and screened."""
    authorize(actor, "agreement.term.status")
    term = get_term(session, term_id)
    if term.kind is not TermKind.RETURN:
        raise Invalid("only a return term is evaluated from the record")
    if not term.person_ids:
        raise Invalid("the term lists no persons; list those to be returned")
    progress = return_progress(session, term)
    done = all(p.passage_id and p.screening_id for p in progress)
    if done and term.status is TermStatus.PENDING:
        evidence: list[EvidenceIn] = []
        for p in progress:
            evidence += [
                EvidenceIn(kind=EvidenceKind.PERSON, ref=p.person_id),
                EvidenceIn(kind=EvidenceKind.RECORD, ref=f"passage:{p.passage_id}"),
                EvidenceIn(kind=EvidenceKind.RECORD, ref=f"screening:{p.screening_id}"),
            ]
        _set_status(
            session,
            term_id=term.id,
            status=TermStatus.MET,
            reason=f"all {len(progress)} listed persons passed back through an airlock and "
            "were screened",
            evidence=evidence,
            actor=actor,
        )
    return term, progress


def open_return_request(
    session: Session,
    *,
    person_id: str,
    vessel_party_id: str,
    reason: str,
    source_id: str = "",
    actor: Actor,
) -> ReturnRequest:
    """Ask that a person come back aboard, under the latest agreement with the vessel."""
    person = get_person(session, person_id)
    vessel = get_party(session, vessel_party_id)
    agreement = latest_agreement_with(session, vessel.id)
    row = ReturnRequest(
        agreement_id=agreement.id if agreement else None,
        person_id=person.id,
        vessel_party_id=vessel.id,
        reason=reason.strip(),
        source_id=source_id,
        status=ReturnStatus.OPEN,
        opened_by=actor.label,
        opened_at=clock.now(),
    )
    session.add(row)
    session.flush()
    append_event(
        session,
        kind="agreements.return_request.opened",
        actor=actor,
        subjects=[row.id, person.id, vessel.id, agreement.id if agreement else ""],
        payload={
            "person": person.name,
            "vessel": vessel.name,
            "agreement": agreement.number if agreement else None,
            "reason": row.reason,
        },
    )
    return row


def close_return_request(
    session: Session, *, request_id: str, status: ReturnStatus, reason: str, actor: Actor
) -> ReturnRequest:
    """Close a return request as fulfilled or withdrawn."""
    authorize(actor, "return_request.manage")
    row = session.get(ReturnRequest, request_id)
    if row is None:
        raise NotFound(f"no return request with id {request_id!r}")
    if row.status is not ReturnStatus.OPEN:
        raise Conflict(f"this return request is {row.status.value} already")
    if status is ReturnStatus.OPEN:
        raise Invalid("close a request as fulfilled or withdrawn")
    if not reason.strip():
        raise Invalid("say why the request is closed")
    row.status = status
    row.closed_by = actor.label
    row.closed_at = clock.now()
    row.closed_reason = reason.strip()
    session.flush()
    append_event(
        session,
        kind=f"agreements.return_request.{status.value}",
        actor=actor,
        subjects=[row.id, row.person_id],
        payload={"reason": row.closed_reason},
    )
    return row


def list_return_requests(
    session: Session,
    *,
    status: ReturnStatus | None = None,
    person_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[ReturnRequest], int]:
    """Return requests, newest first."""
    query = select(ReturnRequest)
    if status is not None:
        query = query.where(ReturnRequest.status == status)
    if person_id is not None:
        query = query.where(ReturnRequest.person_id == person_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(ReturnRequest.opened_at.desc()).limit(limit).offset(offset)
    )
    return list(rows.all()), total
