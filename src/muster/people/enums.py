"""Vocabulary of the people registry."""

from enum import StrEnum


class Affiliation(StrEnum):
    """Who a person is to the station."""

    RESIDENT = "resident"
    CREW = "crew"
    VISITOR = "visitor"


class PersonStatus(StrEnum):
    """A person's state as the station knows it."""

    ACTIVE = "active"
    INJURED = "injured"
    MISSING = "missing"
    DECEASED = "deceased"


class PartyKind(StrEnum):
    """What a party is."""

    VESSEL = "vessel"
    GROUP = "group"
