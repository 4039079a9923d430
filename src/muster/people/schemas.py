"""API shapes for persons and parties."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal, Self

from pydantic import Field, StringConstraints, model_validator

from muster.people.enums import Affiliation, PartyKind, PersonStatus
from muster.schemas import ReadModel, StrictModel

Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
BadgeId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
RefId = Annotated[str, StringConstraints(min_length=1, max_length=36)]
# Roles are short lowercase words ("guard", "chief-engineer") so filters match them exactly.
RoleName = Annotated[
    str, StringConstraints(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_-]*$")
]
Notes = Annotated[str, StringConstraints(max_length=4000)]
MAX_ROLES = 20
MAX_EXPECTED_ABOARD = 100_000


def refuse_nulls(model: StrictModel, fields: tuple[str, ...]) -> None:
    """Refuse an explicit ``null`` for a field that cannot be empty (absent is fine)."""
    for name in fields:
        if name in model.model_fields_set and getattr(model, name) is None:
            raise ValueError(f"{name} cannot be null; leave it out to keep the current value")


class PersonCreate(StrictModel):
    """A person to register."""

    name: Name
    affiliation: Affiliation
    badge_id: BadgeId | None = None
    party_id: RefId | None = None
    roles: list[RoleName] = Field(default_factory=list, max_length=MAX_ROLES)
    status: PersonStatus = PersonStatus.ACTIVE
    notes: Notes = ""
    date_of_birth: date | None = None


class PersonUpdate(StrictModel):
    """A partial change to a person: only the fields given are changed."""

    name: Name | None = None
    affiliation: Affiliation | None = None
    badge_id: BadgeId | None = None
    party_id: RefId | None = None
    roles: list[RoleName] | None = Field(default=None, max_length=MAX_ROLES)
    status: PersonStatus | None = None
    notes: Notes | None = None
    date_of_birth: date | None = None

    @model_validator(mode="after")
    def _no_null_for_required(self) -> Self:
        refuse_nulls(self, ("name", "affiliation", "roles", "status", "notes"))
        return self


class PersonRead(ReadModel):
    """A person as the API shows it."""

    id: str
    name: str
    badge_id: str | None
    affiliation: Affiliation
    party_id: str | None
    roles: list[str]
    status: PersonStatus
    notes: str
    consent_required: bool  # registered as a resident at some time (P2 follows them)
    date_of_birth: date | None = None
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime


class PersonRemoval(StrictModel):
    """What a delete did: ``deleted``, or ``archived`` because the record names the person."""

    outcome: Literal["deleted", "archived"]
    reason: str
    person: PersonRead


class PartyCreate(StrictModel):
    """A visiting vessel or group to register. Name its commander after adding its members."""

    name: Name
    kind: PartyKind
    commander_id: RefId | None = None
    expected_aboard: int = Field(default=0, ge=0, le=MAX_EXPECTED_ABOARD)
    notes: Notes = ""


class PartyUpdate(StrictModel):
    """A partial change to a party; ``commander_id: null`` clears the commander."""

    name: Name | None = None
    kind: PartyKind | None = None
    commander_id: RefId | None = None
    expected_aboard: int | None = Field(default=None, ge=0, le=MAX_EXPECTED_ABOARD)
    notes: Notes | None = None

    @model_validator(mode="after")
    def _no_null_for_required(self) -> Self:
        refuse_nulls(self, ("name", "kind", "expected_aboard", "notes"))
        return self


class PartyRead(ReadModel):
    """A party as the API shows it."""

    id: str
    name: str
    kind: PartyKind
    commander_id: str | None
    expected_aboard: int
    notes: str
    created_at: datetime
    updated_at: datetime
