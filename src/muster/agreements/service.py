"""Agreements and their terms: recording them, and changing a term's status with evidence.

A term's status changes only with at least one piece of evidence that points to something
in the record (``evidence.resolve``). A breach alerts the commander. Other domains report
a breach through ``mark_term_breached`` (e.g. the vessel watch: "the vessel stays in orbit").
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster import clock
from muster.agreements.enums import TermStatus
from muster.agreements.evidence import add_evidence
from muster.agreements.models import Agreement, AgreementTerm, TermStatusChange
from muster.agreements.schemas import AgreementCreate, EvidenceIn, TermCreate
from muster.errors import Conflict, Invalid, NotFound
from muster.events.service import append_event
from muster.people.models import Party, Person
from muster.people.service import find_party, find_person
from muster.policy.actor import Actor
from muster.policy.authorize import authorize
from muster.schemas import number_in

ALERT = "agreements.alert.raised"


def get_agreement(session: Session, agreement_id: str) -> Agreement:
    """An agreement by id or number (``A-1`` or ``1``)."""
    row = session.get(Agreement, agreement_id)
    number = number_in(agreement_id, prefix="A-")
    if row is None and number is not None:
        row = session.scalar(select(Agreement).where(Agreement.number == number))
    if row is None:
        raise NotFound(f"no agreement {agreement_id!r}; list agreements to find it")
    return row


def count_terms_due(session: Session, *, now: datetime) -> int:
    """Pending terms whose due date has come (standing and recurring terms have none)."""
    query = select(func.count()).where(
        AgreementTerm.status == TermStatus.PENDING,
        AgreementTerm.due_at.is_not(None),
        AgreementTerm.due_at <= now,
    )
    return int(session.scalar(query) or 0)


def get_term(session: Session, term_id: str) -> AgreementTerm:
    """A term by id."""
    row = session.get(AgreementTerm, term_id)
    if row is None:
        raise NotFound(f"no agreement term with id {term_id!r}")
    return row


def find_term(session: Session, agreement_ref: str, number: int) -> AgreementTerm:
    """Term ``number`` of an agreement."""
    agreement = get_agreement(session, agreement_ref)
    row = session.scalar(
        select(AgreementTerm).where(
            AgreementTerm.agreement_id == agreement.id, AgreementTerm.number == number
        )
    )
    if row is None:
        raise NotFound(f"agreement A-{agreement.number} has no term {number}")
    return row


def list_agreements(
    session: Session, *, party_id: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[Agreement], int]:
    """Agreements, newest first."""
    query = select(Agreement)
    if party_id is not None:
        query = query.where(Agreement.party_id == party_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Agreement.number.desc()).limit(limit).offset(offset))
    return list(rows.all()), total


def list_terms(session: Session, agreement_id: str) -> list[AgreementTerm]:
    """An agreement's terms in order."""
    query = select(AgreementTerm).where(AgreementTerm.agreement_id == agreement_id)
    return list(session.scalars(query.order_by(AgreementTerm.number)).all())


def latest_agreement_with(session: Session, party_id: str) -> Agreement | None:
    """The most recent agreement with a party, if any."""
    query = select(Agreement).where(Agreement.party_id == party_id)
    return session.scalar(query.order_by(Agreement.agreed_at.desc(), Agreement.number.desc()))


def record_agreement(session: Session, *, data: AgreementCreate, actor: Actor) -> Agreement:
    """Record an agreement with a party, and its terms."""
    authorize(actor, "agreement.write")
    party = find_party(session, data.party)
    agreed_at = data.agreed_at or clock.now()
    if agreed_at.tzinfo is None:
        raise Invalid("give the time of the agreement with its zone, e.g. 2031-05-14T18:00:00Z")
    number = (session.scalar(select(func.max(Agreement.number))) or 0) + 1
    row = Agreement(
        number=number,
        title=data.title.strip(),
        party_id=party.id,
        signatories=[s.strip() for s in data.signatories],
        agreed_at=agreed_at,
        text=data.text.strip(),
        recorded_by=actor.label,
        recorded_at=clock.now(),
    )
    session.add(row)
    session.flush()
    append_event(
        session,
        kind="agreements.agreement.recorded",
        actor=actor,
        subjects=[row.id, party.id],
        payload={"number": number, "title": row.title, "party": party.name},
    )
    for term in data.terms:
        add_term(session, agreement_id=row.id, data=term, actor=actor)
    return row


def _owner(session: Session, ref: str, party: Party, *, party_side: bool) -> Person:
    person = find_person(session, ref)
    if party_side and person.party_id != party.id:
        raise Invalid(f"{person.name} is not of {party.name}; name an owner on their side")
    if not party_side and person.party_id == party.id:
        raise Invalid(f"{person.name} is of {party.name}; name an owner on the station's side")
    return person


def add_term(
    session: Session, *, agreement_id: str, data: TermCreate, actor: Actor
) -> AgreementTerm:
    """Add a term with an owner on each side and a due date or a recurrence."""
    authorize(actor, "agreement.write")
    agreement = get_agreement(session, agreement_id)
    party = session.get(Party, agreement.party_id)
    assert party is not None
    if data.due_at is None and not data.recurrence.strip():
        raise Invalid("give the term a due date or a recurrence (e.g. weekly, or 'standing')")
    if data.due_at is not None and data.due_at.tzinfo is None:
        raise Invalid("give the due date with its zone, e.g. 2031-05-20T12:00:00Z")
    station_owner = _owner(session, data.station_owner, party, party_side=False)
    party_owner = _owner(session, data.party_owner, party, party_side=True)
    persons = [find_person(session, ref).id for ref in dict.fromkeys(data.persons)]
    number = len(list_terms(session, agreement.id)) + 1
    term = AgreementTerm(
        agreement_id=agreement.id,
        number=number,
        text=data.text.strip(),
        kind=data.kind,
        station_owner_id=station_owner.id,
        party_owner_id=party_owner.id,
        due_at=data.due_at,
        recurrence=data.recurrence.strip(),
        person_ids=persons,
        status=TermStatus.PENDING,
        status_at=clock.now(),
        status_by=actor.label,
    )
    session.add(term)
    session.flush()
    append_event(
        session,
        kind="agreements.term.added",
        actor=actor,
        subjects=[term.id, agreement.id, station_owner.id, party_owner.id],
        payload={"agreement": agreement.number, "number": number, "text": term.text},
    )
    return term


def set_term_status(
    session: Session,
    *,
    term_id: str,
    status: TermStatus,
    reason: str,
    evidence: list[EvidenceIn],
    actor: Actor,
) -> AgreementTerm:
    """Change a term's status, resting on evidence; a breach alerts the commander."""
    authorize(actor, "agreement.term.status")
    term = get_term(session, term_id)
    if not evidence:
        raise Invalid("a term's status changes only with evidence: an event, a person or a record")
    if not reason.strip():
        raise Invalid("say why the status changes")
    if status is term.status:
        raise Conflict(f"the term is {status.value} already; add evidence to it instead")
    change = TermStatusChange(
        term_id=term.id,
        from_status=term.status,
        to_status=status,
        reason=reason.strip(),
        changed_by=actor.label,
        changed_at=clock.now(),
    )
    session.add(change)
    session.flush()
    rows = add_evidence(session, term_id=term.id, items=evidence, change_id=change.id, actor=actor)
    previous = term.status
    term.status = status
    term.status_at = change.changed_at
    term.status_by = actor.label
    term.status_reason = change.reason
    session.flush()
    agreement = get_agreement(session, term.agreement_id)
    payload = {
        "agreement": agreement.number,
        "term": term.number,
        "text": term.text,
        "from": previous.value,
        "to": status.value,
        "reason": change.reason,
        "evidence": [r.label for r in rows],
    }
    subjects = [term.id, agreement.id, agreement.party_id, *term.person_ids]
    append_event(
        session,
        kind=f"agreements.term.{status.value}",
        actor=actor,
        subjects=subjects,
        payload=payload,
    )
    if status is TermStatus.BREACHED:
        append_event(
            session,
            kind=ALERT,
            actor=actor,
            subjects=subjects,
            payload={
                "audience": "commander",
                "about": "term.breached",
                "text": f"Agreement A-{agreement.number}, term {term.number} breached: "
                f"{change.reason}",
            },
        )
    return term


def mark_term_breached(
    session: Session, *, term_id: str, reason: str, evidence: list[EvidenceIn], actor: Actor
) -> AgreementTerm:
    """Record a breach of a term with its evidence (for the vessel watch and others)."""
    return set_term_status(
        session,
        term_id=term_id,
        status=TermStatus.BREACHED,
        reason=reason,
        evidence=evidence,
        actor=actor,
    )
