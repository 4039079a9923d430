"""Incidents: command roles, objectives, tasks, the activity log and situation reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from muster.db import Base, UTCDateTime, new_id
from muster.incidents.enums import CommandRole, IncidentStatus, Severity, SitrepStatus, TaskStatus


def _enum(kind: type[Any]) -> Enum:
    return Enum(kind, native_enum=False, length=24, values_callable=lambda e: [m.value for m in e])


class Incident(Base):
    """An incident under command: what, where, how grave, and who commands it."""

    __tablename__ = "incidents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(80))
    severity: Mapped[Severity] = mapped_column(_enum(Severity))
    status: Mapped[IncidentStatus] = mapped_column(_enum(IncidentStatus), index=True)
    location: Mapped[str] = mapped_column(String(200))
    zone_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("zones.id"), nullable=True)
    commander_id: Mapped[str] = mapped_column(String(36), ForeignKey("persons.id"))
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RoleAssignment(Base):
    """A person holding a command role, from ``started_at`` until handed over (``ended_at``)."""

    __tablename__ = "incident_roles"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    incident_id: Mapped[str] = mapped_column(String(36), ForeignKey("incidents.id"), index=True)
    role: Mapped[CommandRole] = mapped_column(_enum(CommandRole))
    site: Mapped[str] = mapped_column(String(200), default="")
    person_id: Mapped[str] = mapped_column(String(36), ForeignKey("persons.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Objective(Base):
    """What the incident's command means to achieve."""

    __tablename__ = "incident_objectives"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    incident_id: Mapped[str] = mapped_column(String(36), ForeignKey("incidents.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    achieved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Task(Base):
    """A piece of work with an owner and a due time, toward an objective or on its own."""

    __tablename__ = "incident_tasks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    incident_id: Mapped[str] = mapped_column(String(36), ForeignKey("incidents.id"), index=True)
    objective_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("incident_objectives.id"), nullable=True
    )
    title: Mapped[str] = mapped_column(String(300))
    owner_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("persons.id"), nullable=True
    )
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    status: Mapped[TaskStatus] = mapped_column(_enum(TaskStatus), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class LogEntry(Base):
    """One line of the incident's activity log (ICS-214 in spirit); entries are never edited."""

    __tablename__ = "incident_log_entries"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    incident_id: Mapped[str] = mapped_column(String(36), ForeignKey("incidents.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # the event that records it
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    author: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)


class IncidentLink(Base):
    """Something whose events belong on the incident's timeline: a person, portal, party ..."""

    __tablename__ = "incident_links"
    __table_args__ = (UniqueConstraint("incident_id", "subject_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    incident_id: Mapped[str] = mapped_column(String(36), ForeignKey("incidents.id"), index=True)
    subject_id: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200), default="")
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Sitrep(Base):
    """A situation report: the incident's working draft, or a numbered published version.

    A published version is the record of what command knew and said at that moment: its
    figures are frozen when it is published and no row of it ever changes afterwards.
    """

    __tablename__ = "incident_sitreps"
    __table_args__ = (UniqueConstraint("incident_id", "number"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    incident_id: Mapped[str] = mapped_column(String(36), ForeignKey("incidents.id"), index=True)
    status: Mapped[SitrepStatus] = mapped_column(_enum(SitrepStatus))
    number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    situation: Mapped[str] = mapped_column(Text, default="")
    actions: Mapped[str] = mapped_column(Text, default="")
    plans: Mapped[str] = mapped_column(Text, default="")
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    edited_by: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    published_by: Mapped[str] = mapped_column(String(200), default="")
