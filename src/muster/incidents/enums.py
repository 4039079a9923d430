"""Vocabulary of the incident record."""

from enum import StrEnum


class IncidentStatus(StrEnum):
    """Where an incident stands."""

    ACTIVE = "active"
    STABLE = "stable"
    CLOSED = "closed"


class Severity(StrEnum):
    """How grave an incident is."""

    MINOR = "minor"
    MODERATE = "moderate"
    MAJOR = "major"
    CRITICAL = "critical"


class CommandRole(StrEnum):
    """A post in the incident's command structure (ICS in spirit)."""

    INCIDENT_COMMANDER = "incident_commander"
    SITE_OFFICER = "site_officer"
    LIAISON = "liaison"
    MEDICAL_LEAD = "medical_lead"
    SCRIBE = "scribe"


class TaskStatus(StrEnum):
    """Where a task stands."""

    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class SitrepStatus(StrEnum):
    """A situation report is a working draft or a published, numbered version."""

    DRAFT = "draft"
    PUBLISHED = "published"
