"""Vocabulary of agreements."""

from enum import StrEnum


class TermStatus(StrEnum):
    """Where a term stands; every change after ``pending`` is made with evidence."""

    PENDING = "pending"
    MET = "met"
    BREACHED = "breached"
    WAIVED = "waived"


class TermKind(StrEnum):
    """What a term is about, which names the evidence that can prove it (``bearing``):
    ``general`` any record, judged by people; ``return`` listed persons back through an
    airlock and screened (also evaluated from the record); ``orbit`` the vessel stays in
    orbit (the vessel watch); ``consent`` residents stay with a visiting party only by
    consent (cases, check-ups, screenings); ``visit`` someone of the party comes aboard
    (visits, airlock decisions, passages)."""

    GENERAL = "general"
    RETURN = "return"
    ORBIT = "orbit"
    CONSENT = "consent"
    VISIT = "visit"


class EvidenceKind(StrEnum):
    """What a piece of evidence points to: an event of the log, a person, or a record."""

    EVENT = "event"
    PERSON = "person"
    RECORD = "record"


class ReturnStatus(StrEnum):
    """A request that a person come back from a vessel."""

    OPEN = "open"
    FULFILLED = "fulfilled"
    WITHDRAWN = "withdrawn"
