"""Evidence for agreement terms: each piece must point to something in the record, and
bear on its term (``bearing``: a return term needs its persons' passages and screenings)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster import clock
from muster.access.models import Decision, Hold, Passage
from muster.agreements.bearing import check_bears, record_persons
from muster.agreements.enums import EvidenceKind
from muster.agreements.models import AgreementTerm, ReturnRequest, TermEvidence
from muster.agreements.schemas import EvidenceIn
from muster.errors import Invalid, NotFound
from muster.events.models import Event
from muster.medical.models import Casualty, Screening
from muster.people.service import find_person
from muster.policy.actor import Actor
from muster.schemas import INT64_MAX, number_in
from muster.welfare.models import Checkup, ConsentCase

# ``record`` evidence: "<kind>:<id>" of one of these.
RECORD_KINDS: dict[str, type[Any]] = {
    "passage": Passage,
    "screening": Screening,
    "decision": Decision,
    "hold": Hold,
    "casualty": Casualty,
    "checkup": Checkup,
    "consent_case": ConsentCase,
    "return_request": ReturnRequest,
}


def resolve(
    session: Session, item: EvidenceIn, term: AgreementTerm | None = None
) -> tuple[str, str]:
    """The stored reference and a label for one piece; NotFound if it points to nothing,
    Invalid if it does not bear on ``term`` (when given)."""
    ref = item.ref.strip()
    if item.kind is EvidenceKind.EVENT:
        seq = number_in(ref, maximum=INT64_MAX)
        if seq is None:
            raise Invalid(f"event evidence is an event's sequence number, not {ref!r}")
        event = session.execute(select(Event.kind, Event.subjects).where(Event.seq == seq)).first()
        if event is None:
            raise NotFound(f"no event number {ref} in the log")
        label = f"event {ref} ({event.kind})"
        if term is not None:
            subjects = list(event.subjects or [])
            check_bears(term, kind=item.kind, label=label, event_kind=event.kind, persons=subjects)
        return ref, label
    if item.kind is EvidenceKind.PERSON:
        person = find_person(session, ref)
        if term is not None:
            check_bears(term, kind=item.kind, label=person.name, persons=[person.id])
        return person.id, person.name
    record_kind, _, record_id = ref.partition(":")
    model = RECORD_KINDS.get(record_kind)
    if model is None or not record_id:
        known = ", ".join(sorted(RECORD_KINDS))
        raise Invalid(f"record evidence is written kind:id, with kind one of {known}")
    row = session.get(model, record_id)
    if row is None:
        raise NotFound(f"no {record_kind} with id {record_id!r}")
    label = f"{record_kind} {record_id}"
    if term is not None:
        check_bears(
            term,
            kind=item.kind,
            label=label,
            record_kind=record_kind,
            persons=record_persons(row),
        )
    return f"{record_kind}:{record_id}", label


def add_evidence(
    session: Session,
    *,
    term_id: str,
    items: list[EvidenceIn],
    change_id: str | None,
    actor: Actor,
) -> list[TermEvidence]:
    """Check every piece first (it exists and bears on the term), then store them all (none
    if any piece is refused)."""
    term = session.get(AgreementTerm, term_id)
    if term is None:
        raise NotFound(f"no agreement term with id {term_id!r}")
    resolved = [(item, *resolve(session, item, term)) for item in items]
    rows = [
        TermEvidence(
            term_id=term_id,
            change_id=change_id,
            kind=item.kind,
            ref=ref,
            label=label,
            note=item.note.strip(),
            added_by=actor.label,
            added_at=clock.now(),
        )
        for item, ref, label in resolved
    ]
    session.add_all(rows)
    session.flush()
    return rows


def term_evidence(session: Session, term_id: str) -> list[TermEvidence]:
    """A term's evidence, oldest first."""
    query = (
        select(TermEvidence)
        .where(TermEvidence.term_id == term_id)
        .order_by(TermEvidence.added_at, TermEvidence.id)
    )
    return list(session.scalars(query).all())
