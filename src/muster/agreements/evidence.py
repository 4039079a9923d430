"""Evidence for agreement terms: each piece must point to something in the record."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster import clock
from muster.access.models import Decision, Hold, Passage
from muster.agreements.enums import EvidenceKind
from muster.agreements.models import ReturnRequest, TermEvidence
from muster.agreements.schemas import EvidenceIn
from muster.errors import Invalid, NotFound
from muster.events.models import Event
from muster.medical.models import Casualty, Screening
from muster.people.service import find_person
from muster.policy.actor import Actor
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


def resolve(session: Session, item: EvidenceIn) -> tuple[str, str]:
    """The stored reference and a label for one piece; NotFound if it points to nothing."""
    ref = item.ref.strip()
    if item.kind is EvidenceKind.EVENT:
        if not ref.isdigit():
            raise Invalid(f"event evidence is an event's sequence number, not {ref!r}")
        kind = session.scalar(select(Event.kind).where(Event.seq == int(ref)))
        if kind is None:
            raise NotFound(f"no event number {ref} in the log")
        return ref, f"event {ref} ({kind})"
    if item.kind is EvidenceKind.PERSON:
        person = find_person(session, ref)
        return person.id, person.name
    record_kind, _, record_id = ref.partition(":")
    model = RECORD_KINDS.get(record_kind)
    if model is None or not record_id:
        known = ", ".join(sorted(RECORD_KINDS))
        raise Invalid(f"record evidence is written kind:id, with kind one of {known}")
    if session.get(model, record_id) is None:
        raise NotFound(f"no {record_kind} with id {record_id!r}")
    return f"{record_kind}:{record_id}", f"{record_kind} {record_id}"


def add_evidence(
    session: Session,
    *,
    term_id: str,
    items: list[EvidenceIn],
    change_id: str | None,
    actor: Actor,
) -> list[TermEvidence]:
    """Check every piece first, then store them all (none if any points to nothing)."""
    resolved = [(item, *resolve(session, item)) for item in items]
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
