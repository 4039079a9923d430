"""Agreement schemas: inputs (strict) and read models."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from muster.agreements.enums import EvidenceKind, ReturnStatus, TermKind, TermStatus
from muster.schemas import ReadModel, StrictModel


class EvidenceIn(StrictModel):
    """A piece of evidence: an event seq, a person (id, badge or name), or ``kind:id`` of a
    record (passage, screening, decision, hold, checkup, consent_case, return_request,
    transfer, casualty)."""

    kind: EvidenceKind
    ref: str = Field(min_length=1, max_length=200)
    note: str = Field(default="", max_length=2000)


class TermCreate(StrictModel):
    """A term of an agreement. Owners are persons (id, badge or name), one on each side."""

    text: str = Field(min_length=1, max_length=4000)
    kind: TermKind = TermKind.GENERAL
    station_owner: str
    party_owner: str
    due_at: datetime | None = None
    recurrence: str = Field(default="", max_length=100)
    persons: list[str] = Field(default_factory=list)


class AgreementCreate(StrictModel):
    """An agreement with a party: its signatories, when it was agreed, its text, its terms."""

    title: str = Field(min_length=1, max_length=200)
    party: str
    signatories: list[str] = Field(min_length=2)
    agreed_at: datetime | None = None
    text: str = Field(min_length=1, max_length=20000)
    terms: list[TermCreate] = Field(default_factory=list)


class TermStatusSet(StrictModel):
    """A new status for a term, why, and the evidence it rests on (at least one piece)."""

    status: TermStatus
    reason: str = Field(min_length=1, max_length=4000)
    evidence: list[EvidenceIn] = Field(min_length=1)


class EvidenceRead(ReadModel):
    """A piece of evidence as stored."""

    id: str
    kind: EvidenceKind
    ref: str
    label: str
    note: str
    change_id: str | None
    added_by: str
    added_at: datetime


class TermRead(ReadModel):
    """A term as stored."""

    id: str
    agreement_id: str
    number: int
    text: str
    kind: TermKind
    station_owner_id: str
    party_owner_id: str
    due_at: datetime | None
    recurrence: str
    person_ids: list[str]
    status: TermStatus
    status_at: datetime
    status_by: str
    status_reason: str


class TermDetail(TermRead):
    """A term with its evidence."""

    evidence: list[EvidenceRead]


class AgreementRead(ReadModel):
    """An agreement as stored."""

    id: str
    number: int
    title: str
    party_id: str
    signatories: list[str]
    agreed_at: datetime
    text: str
    recorded_by: str
    recorded_at: datetime


class AgreementDetail(AgreementRead):
    """An agreement with its terms and their evidence."""

    terms: list[TermDetail]


class ReturnRequestRead(ReadModel):
    """A return request as stored."""

    id: str
    agreement_id: str | None
    person_id: str
    vessel_party_id: str
    reason: str
    source_id: str
    status: ReturnStatus
    opened_by: str
    opened_at: datetime
    closed_by: str
    closed_at: datetime | None
    closed_reason: str


class ReturnClose(StrictModel):
    """Closing a return request: fulfilled (the person is back) or withdrawn, and why."""

    status: ReturnStatus
    reason: str = Field(min_length=1, max_length=4000)


class ReturnProgress(ReadModel):
    """One listed person of a return term: back through an airlock? screened since?"""

    person_id: str
    name: str
    passage_id: str | None
    screening_id: str | None
