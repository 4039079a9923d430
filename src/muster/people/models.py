"""Persons and parties."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from muster.db import Base, UTCDateTime, new_id
from muster.people.enums import Affiliation, PartyKind, PersonStatus


def _values(enum: type[Affiliation] | type[PersonStatus] | type[PartyKind]) -> list[str]:
    return [member.value for member in enum]


class Party(Base):
    """A visiting vessel or group, with its commander."""

    __tablename__ = "parties"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[PartyKind] = mapped_column(
        Enum(PartyKind, native_enum=False, length=20, values_callable=_values)
    )
    # No foreign key: persons refer to parties, so the service checks this reference.
    commander_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    expected_aboard: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Person(Base):
    """Someone aboard or expected aboard: resident, crew or visitor."""

    __tablename__ = "persons"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    badge_id: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    affiliation: Mapped[Affiliation] = mapped_column(
        Enum(Affiliation, native_enum=False, length=20, values_callable=_values), index=True
    )
    party_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("parties.id"), nullable=True, index=True
    )
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[PersonStatus] = mapped_column(
        Enum(PersonStatus, native_enum=False, length=20, values_callable=_values), index=True
    )
    notes: Mapped[str] = mapped_column(Text, default="")
    # A resident's consent requirement (P2): set when registered as or made a resident,
    # kept through any change of affiliation or party (people.service.update_person).
    consent_required: Mapped[bool] = mapped_column(Boolean, default=False)
    # Known for the station's own; JumpSTART triages a child by it (medical.triage).
    date_of_birth: Mapped[date | None] = mapped_column(Date, nullable=True)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
