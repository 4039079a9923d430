"""Tables of agreements: the agreement, its terms, their evidence and status history, and
return requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from muster.agreements.enums import EvidenceKind, ReturnStatus, TermKind, TermStatus
from muster.db import Base, UTCDateTime, new_id


def _enum(kind: type[Any]) -> Enum:
    return Enum(kind, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class Agreement(Base):
    """An agreement between the station and a party: who, when, and its text."""

    __tablename__ = "agreements"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(200))
    party_id: Mapped[str] = mapped_column(String(36), ForeignKey("parties.id"), index=True)
    signatories: Mapped[list[str]] = mapped_column(JSON, default=list)
    agreed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    text: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AgreementTerm(Base):
    """One term: an owner on each side, a due date or a recurrence, a status."""

    __tablename__ = "agreement_terms"
    __table_args__ = (UniqueConstraint("agreement_id", "number"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    agreement_id: Mapped[str] = mapped_column(String(36), ForeignKey("agreements.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[TermKind] = mapped_column(_enum(TermKind))
    station_owner_id: Mapped[str] = mapped_column(String(36), ForeignKey("persons.id"))
    party_owner_id: Mapped[str] = mapped_column(String(36), ForeignKey("persons.id"))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    recurrence: Mapped[str] = mapped_column(String(100), default="")
    person_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[TermStatus] = mapped_column(_enum(TermStatus))
    status_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status_by: Mapped[str] = mapped_column(String(200))
    status_reason: Mapped[str] = mapped_column(Text, default="")
    # When the job alerted that the term is past due with nothing to show; once per term.
    overdue_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class TermStatusChange(Base):
    """A change of a term's status: from, to, why, who, when; its evidence points to it."""

    __tablename__ = "agreement_term_changes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    term_id: Mapped[str] = mapped_column(String(36), ForeignKey("agreement_terms.id"), index=True)
    from_status: Mapped[TermStatus] = mapped_column(_enum(TermStatus))
    to_status: Mapped[TermStatus] = mapped_column(_enum(TermStatus))
    reason: Mapped[str] = mapped_column(Text)
    changed_by: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TermEvidence(Base):
    """A piece of evidence for a term: an event (by seq), a person, or a record (kind:id)."""

    __tablename__ = "agreement_term_evidence"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    term_id: Mapped[str] = mapped_column(String(36), ForeignKey("agreement_terms.id"), index=True)
    change_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("agreement_term_changes.id"), nullable=True
    )
    kind: Mapped[EvidenceKind] = mapped_column(_enum(EvidenceKind))
    ref: Mapped[str] = mapped_column(String(200))
    label: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    added_by: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReturnRequest(Base):
    """A request, under an agreement when there is one, that a person come back aboard."""

    __tablename__ = "return_requests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    agreement_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("agreements.id"), nullable=True, index=True
    )
    person_id: Mapped[str] = mapped_column(String(36), ForeignKey("persons.id"), index=True)
    vessel_party_id: Mapped[str] = mapped_column(String(36), ForeignKey("parties.id"))
    reason: Mapped[str] = mapped_column(Text)
    source_id: Mapped[str] = mapped_column(String(36), default="")
    status: Mapped[ReturnStatus] = mapped_column(_enum(ReturnStatus), index=True)
    opened_by: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_by: Mapped[str] = mapped_column(String(200), default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_reason: Mapped[str] = mapped_column(Text, default="")
