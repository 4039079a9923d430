"""Welfare schemas: inputs (strict) and read models."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from muster.schemas import ReadModel, StrictModel
from muster.welfare.enums import Assessment, Capacity, CaseStatus, CheckupStatus, StepKind


class ConsentTextCreate(StrictModel):
    """A new version of the consent text."""

    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=20000)


class ConsentTextRead(ReadModel):
    """A published version of the consent text."""

    id: str
    version: int
    title: str
    body: str
    sha256: str
    published_by: str
    published_at: datetime


class CaseCreate(StrictModel):
    """A person asks to go to live aboard a vessel (ids, or names)."""

    person_id: str
    vessel_party_id: str
    statement: str = Field(default="", max_length=4000)


class InterviewCreate(StrictModel):
    """An interview held by the signed-in welfare officer in person."""

    stated_wish: str = Field(min_length=1, max_length=8000)
    assessment: Assessment
    present_ids: list[str] = Field(default_factory=list)
    note: str = Field(default="", max_length=4000)


class ApprovalCreate(StrictModel):
    """An approval by the signed-in officer, as welfare officer or as commander."""

    capacity: Capacity
    note: str = Field(default="", max_length=4000)


class RevocationCreate(StrictModel):
    """The person withdraws consent; name the case or the person, and their words."""

    case_id: str | None = None
    person_id: str | None = None
    statement: str = Field(min_length=1, max_length=4000)
    post_id: str | None = None


class CheckupCreate(StrictModel):
    """A check-up held in person by the signed-in welfare officer."""

    still_wishes_to_stay: bool
    statement: str = Field(default="", max_length=4000)


class StepRead(ReadModel):
    """A step of a case."""

    id: str
    kind: StepKind
    at: datetime
    by: str
    officer_person_id: str | None
    assessment: Assessment | None
    capacity: str
    statement: str
    present_ids: list[str]
    screening_id: str | None
    post_id: str | None
    note: str


class CaseRead(ReadModel):
    """A consent case."""

    id: str
    number: int
    person_id: str
    vessel_party_id: str
    status: CaseStatus
    consent_text_id: str
    consent_sha256: str
    request_statement: str
    opened_by: str
    opened_at: datetime
    status_reason: str
    status_at: datetime


class CaseDetail(CaseRead):
    """A case with its steps, and what earlier cases for this vessel found (coercion or
    unwillingness), in plain words."""

    steps: list[StepRead]
    earlier_findings: list[str] = []


class CheckupRead(ReadModel):
    """A check-up on the schedule or done."""

    id: str
    case_id: str
    person_id: str
    due_at: datetime
    status: CheckupStatus
    done_at: datetime | None
    officer: str
    still_wishes_to_stay: bool | None
    statement: str
    screening_id: str | None
    overdue_at: datetime | None
    missed_at: datetime | None
    return_request_id: str | None
