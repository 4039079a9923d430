"""Vocabulary of agreements."""

from enum import StrEnum


class TermStatus(StrEnum):
    """Where a term stands; every change after ``pending`` is made with evidence."""

    PENDING = "pending"
    MET = "met"
    BREACHED = "breached"
    WAIVED = "waived"


class TermKind(StrEnum):
    """How a term is checked: ``general`` by people with evidence; ``return`` (listed
    persons returned through an airlock and screened) also from the record."""

    GENERAL = "general"
    RETURN = "return"


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
