"""Tables of welfare: consent texts, consent cases and their steps, check-ups."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from muster.db import Base, UTCDateTime, new_id
from muster.welfare.enums import Assessment, CaseStatus, CheckupStatus, StepKind


def _enum(kind: type[Any]) -> Enum:
    return Enum(kind, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class ConsentText(Base):
    """One version of the consent text shown to a person; never changed once published."""

    __tablename__ = "consent_texts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    published_by: Mapped[str] = mapped_column(String(200))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ConsentCase(Base):
    """A person's request to go to live aboard a vessel, and where it stands."""

    __tablename__ = "consent_cases"
    __table_args__ = (Index("ix_consent_cases_person_status", "person_id", "status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    person_id: Mapped[str] = mapped_column(String(36), ForeignKey("persons.id"))
    vessel_party_id: Mapped[str] = mapped_column(String(36), ForeignKey("parties.id"))
    status: Mapped[CaseStatus] = mapped_column(_enum(CaseStatus), index=True)
    # The version of the consent text the person agreed to, and its digest at the time.
    consent_text_id: Mapped[str] = mapped_column(String(36), ForeignKey("consent_texts.id"))
    consent_sha256: Mapped[str] = mapped_column(String(64))
    request_statement: Mapped[str] = mapped_column(Text, default="")
    opened_by: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status_reason: Mapped[str] = mapped_column(Text, default="")
    status_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CaseStep(Base):
    """One step of a case, with who took it and when.

    ``officer_person_id`` is the welfare officer or commander in person (interviewer,
    approver); ``present_ids`` the persons present at an interview; ``statement`` the
    person's words (a stated wish, a revocation).
    """

    __tablename__ = "consent_case_steps"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(String(36), ForeignKey("consent_cases.id"), index=True)
    kind: Mapped[StepKind] = mapped_column(_enum(StepKind))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    by_id: Mapped[str] = mapped_column(String(100))
    by: Mapped[str] = mapped_column(String(200))
    officer_person_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    assessment: Mapped[Assessment | None] = mapped_column(_enum(Assessment), nullable=True)
    capacity: Mapped[str] = mapped_column(String(20), default="")
    statement: Mapped[str] = mapped_column(Text, default="")
    present_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    screening_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    post_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


class Checkup(Base):
    """A welfare check-up of a person living aboard another vessel: due, then done or not."""

    __tablename__ = "welfare_checkups"
    __table_args__ = (Index("ix_welfare_checkups_status_due", "status", "due_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(String(36), ForeignKey("consent_cases.id"), index=True)
    person_id: Mapped[str] = mapped_column(String(36), ForeignKey("persons.id"), index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[CheckupStatus] = mapped_column(_enum(CheckupStatus))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    officer_person_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    officer: Mapped[str] = mapped_column(String(200), default="")
    still_wishes_to_stay: Mapped[bool | None] = mapped_column(nullable=True)
    statement: Mapped[str] = mapped_column(Text, default="")
    screening_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    missed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    return_request_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
