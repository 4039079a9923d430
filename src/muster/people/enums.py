"""Vocabulary of the people registry."""

from enum import StrEnum


class Affiliation(StrEnum):
    """Who a person is to the station."""

    RESIDENT = "resident"
    CREW = "crew"
    VISITOR = "visitor"


def of_visiting_party(affiliation: str | None, party_id: str | None) -> bool:
    """True for a person of the visiting party: a visitor, or anyone in a visiting party.
    Such a person holds no station role (P6), whatever their account says."""
    return affiliation == Affiliation.VISITOR or party_id is not None


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
