"""API shapes of the incident record."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from muster.incidents.enums import CommandRole, IncidentStatus, Severity, SitrepStatus, TaskStatus
from muster.schemas import ReadModel, StrictModel

Title = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(max_length=8000)]
RefId = Annotated[str, StringConstraints(min_length=1, max_length=36)]


class IncidentCreate(StrictModel):
    """An incident to declare."""

    title: Title
    kind: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    severity: Severity
    location: Title
    commander_id: RefId
    zone_id: RefId | None = None


class IncidentUpdate(StrictModel):
    """A change to an incident: only the fields given change."""

    title: Title | None = None
    severity: Severity | None = None
    status: IncidentStatus | None = None
    location: Title | None = None


class IncidentRead(ReadModel):
    """An incident as the API gives it."""

    id: str
    number: int
    title: str
    kind: str
    severity: Severity
    status: IncidentStatus
    location: str
    zone_id: str | None
    commander_id: str
    declared_at: datetime
    closed_at: datetime | None


class RoleAssign(StrictModel):
    """Give a command role to a person; the previous holder hands over."""

    role: CommandRole
    person_id: RefId
    site: Annotated[str, StringConstraints(max_length=200)] = ""


class RoleRead(ReadModel):
    """A command role held, or once held."""

    id: str
    role: CommandRole
    site: str
    person_id: str
    started_at: datetime
    ended_at: datetime | None


class ObjectiveCreate(StrictModel):
    """An objective of the incident's command."""

    text: Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class ObjectiveRead(ReadModel):
    """An objective."""

    id: str
    text: str
    achieved_at: datetime | None
    created_at: datetime


class TaskCreate(StrictModel):
    """A task with an owner and a due time."""

    title: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    owner_id: RefId | None = None
    due_at: datetime | None = None
    objective_id: RefId | None = None


class TaskUpdate(StrictModel):
    """A change to a task."""

    status: TaskStatus | None = None
    owner_id: RefId | None = None
    due_at: datetime | None = None


class TaskRead(ReadModel):
    """A task."""

    id: str
    title: str
    owner_id: str | None
    due_at: datetime | None
    objective_id: str | None
    status: TaskStatus
    created_at: datetime
    completed_at: datetime | None


class LogEntryCreate(StrictModel):
    """A line for the incident's activity log."""

    text: Annotated[str, StringConstraints(min_length=1, max_length=4000)]
    pinned: bool = False


class LogEntryRead(ReadModel):
    """A line of the activity log."""

    id: str
    seq: int
    at: datetime
    author: str
    text: str
    pinned: bool


class PinChange(StrictModel):
    """Pin or unpin a log entry."""

    pinned: bool


class LinkCreate(StrictModel):
    """Bring something's events onto the incident's timeline."""

    subject_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    label: Annotated[str, StringConstraints(max_length=200)] = ""


class TimelineItem(StrictModel):
    """One line of the timeline: an event, described, with log-entry details if it is one."""

    seq: int
    at: datetime
    kind: str
    actor: str
    text: str
    entry_id: str | None = None
    pinned: bool = False


class SitrepEdit(StrictModel):
    """The scribe's changes to the working draft."""

    situation: Text | None = None
    actions: Text | None = None
    plans: Text | None = None


class SitrepRead(ReadModel):
    """A situation report: the draft with live figures, or a published version."""

    id: str
    incident_id: str
    status: SitrepStatus
    number: int | None
    situation: str
    actions: str
    plans: str
    figures: dict[str, Any] = Field(default_factory=dict)
    edited_by: str
    updated_at: datetime
    published_at: datetime | None
    published_by: str
