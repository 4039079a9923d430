"""Casualties and their triage, hospital wards, beds and admissions, and screenings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from muster.db import Base, UTCDateTime, new_id
from muster.medical.enums import (
    BedState,
    Condition,
    ScreeningKind,
    ScreeningResult,
    Side,
    Triage,
)


def _enum(kind: type[Any]) -> Enum:
    return Enum(kind, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class Casualty(Base):
    """A casualty on any side: a known person, or someone described until identified."""

    __tablename__ = "casualties"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    number: Mapped[int] = mapped_column(Integer, unique=True)  # the tag read aloud: C-7
    incident_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("incidents.id"), nullable=True, index=True
    )
    person_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("persons.id"), nullable=True, index=True
    )
    description: Mapped[str] = mapped_column(Text, default="")
    age_years: Mapped[int | None] = mapped_column(Integer, nullable=True)  # when unidentified
    # Set when this record turned out to be a person already recorded in the incident: its
    # triage history moved to that casualty, and it is counted no more.
    merged_into_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("casualties.id"), nullable=True, index=True
    )
    side: Mapped[Side] = mapped_column(_enum(Side), index=True)
    triage: Mapped[Triage] = mapped_column(_enum(Triage), index=True)
    found_at: Mapped[str] = mapped_column(String(200))
    found_zone_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("zones.id"), nullable=True
    )
    injuries: Mapped[str] = mapped_column(Text, default="")
    treated_by_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("persons.id"), nullable=True
    )
    taken_to: Mapped[str] = mapped_column(String(200), default="")
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TriageAssessment(Base):
    """One triage of a casualty; re-triage adds another, so the history is kept whole."""

    __tablename__ = "triage_assessments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    casualty_id: Mapped[str] = mapped_column(String(36), ForeignKey("casualties.id"), index=True)
    category: Mapped[Triage] = mapped_column(_enum(Triage))
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    assessed_by: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    findings: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    algorithm: Mapped[str] = mapped_column(String(20), default="")  # START or JumpSTART
    computed: Mapped[Triage | None] = mapped_column(_enum(Triage), nullable=True)
    rule: Mapped[str] = mapped_column(String(60), default="")  # start.respirations ...
    explanation: Mapped[str] = mapped_column(Text, default="")
    override_reason: Mapped[str] = mapped_column(Text, default="")  # a medic's, when set


class Ward(Base):
    """A ward of the hospital."""

    __tablename__ = "wards"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    zone_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("zones.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Bed(Base):
    """A bed in a ward and its state."""

    __tablename__ = "beds"
    __table_args__ = (UniqueConstraint("ward_id", "label"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    ward_id: Mapped[str] = mapped_column(String(36), ForeignKey("wards.id"), index=True)
    label: Mapped[str] = mapped_column(String(40))
    state: Mapped[BedState] = mapped_column(_enum(BedState))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Admission(Base):
    """A patient's stay in the hospital, from admission to discharge."""

    __tablename__ = "admissions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("persons.id"), nullable=True, index=True
    )
    casualty_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("casualties.id"), nullable=True, index=True
    )
    bed_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("beds.id"), nullable=True)
    condition: Mapped[Condition] = mapped_column(_enum(Condition))
    reason: Mapped[str] = mapped_column(Text, default="")
    admitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    admitted_by: Mapped[str] = mapped_column(String(200))
    discharged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    disposition: Mapped[str] = mapped_column(Text, default="")


class Screening(Base):
    """A screening of a person: what for, how, by whom, when, and the result."""

    __tablename__ = "screenings"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(String(36), ForeignKey("persons.id"), index=True)
    kind: Mapped[ScreeningKind] = mapped_column(_enum(ScreeningKind))
    result: Mapped[ScreeningResult] = mapped_column(_enum(ScreeningResult))
    method: Mapped[str] = mapped_column(String(200))
    performed_by_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("persons.id"), nullable=True
    )
    performed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
