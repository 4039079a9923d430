"""The shape of a scenario file: a station to build and a timeline of injects to replay.

These models check the file's structure. Whether names refer to each other correctly, and
whether each inject's and expectation's arguments suit its action or check, is checked by
``muster.scenario.loader`` before anything runs.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    field_validator,
)

from muster.people.enums import Affiliation, PartyKind, PersonStatus
from muster.people.schemas import RoleName
from muster.places.enums import PortalKind, ZoneKind
from muster.schemas import StrictModel

Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
MAX_GENERATED = 100_000
_OFFSET = re.compile(r"^\+?(?:(\d+)d)?\s*(\d{1,3}):([0-5]\d):([0-5]\d)$")


def parse_offset(value: Any) -> timedelta:
    """An inject's offset from the start: ``"+HH:MM:SS"``, ``"+2d 01:00:00"`` or seconds."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        # YAML 1.1 reads an unquoted 1:30:00 as 5400: that is exactly its number of seconds.
        return timedelta(seconds=value)
    if isinstance(value, str):
        match = _OFFSET.match(value.strip())
        if match:
            days, hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
            return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    raise ValueError(
        f"give a time from the start such as '+00:02:00' (hours:minutes:seconds), not {value!r}"
    )


Offset = Annotated[timedelta, BeforeValidator(parse_offset)]


def format_offset(offset: timedelta) -> str:
    """An offset as the file writes it: ``+HH:MM:SS``."""
    total = int(offset.total_seconds())
    hours, rest = divmod(total, 3600)
    return f"+{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


class PartySpec(StrictModel):
    """A visiting vessel or group; its commander is one of the persons listed."""

    name: Name
    kind: PartyKind = PartyKind.VESSEL
    commander: str | None = None
    expected_aboard: int = Field(default=0, ge=0)
    notes: str = ""


class ZoneSpec(StrictModel):
    """A part of the station, or a docking collar with a party docked at it."""

    name: Name
    kind: ZoneKind = ZoneKind.INTERNAL
    docked_party: str | None = None
    description: str = ""
    map_x: float | None = None
    map_y: float | None = None


class PortalSpec(StrictModel):
    """An airlock or door between two zones; leaving goes from ``inside`` to ``outside``."""

    name: Name
    kind: PortalKind
    inside: str
    outside: str


class PersonSpec(StrictModel):
    """One named person. ``group`` names a set of persons that injects can act on at once."""

    name: Name
    affiliation: Affiliation
    party: str | None = None
    roles: list[RoleName] = Field(default_factory=list)
    status: PersonStatus = PersonStatus.ACTIVE
    notes: str = ""
    badge_id: str | None = None
    group: str | None = None


class GenerateSpec(StrictModel):
    """Many persons alike, named ``prefix`` and a number: "Resident 001", "Resident 002", ..."""

    prefix: Name
    count: int = Field(ge=1, le=MAX_GENERATED)
    start: int = Field(default=1, ge=0)
    digits: int = Field(default=3, ge=1, le=6)
    affiliation: Affiliation
    party: str | None = None
    roles: list[RoleName] = Field(default_factory=list)
    status: PersonStatus = PersonStatus.ACTIVE
    notes: str = ""
    group: str | None = None

    def persons(self) -> list[PersonSpec]:
        """The persons this entry stands for."""
        common = self.model_dump(exclude={"prefix", "count", "start", "digits"})
        return [
            PersonSpec(name=f"{self.prefix} {n:0{self.digits}d}", **common)
            for n in range(self.start, self.start + self.count)
        ]


class GeneratedPersons(StrictModel):
    """An entry of the persons list that generates many persons."""

    generate: GenerateSpec


def _person_entry_kind(value: Any) -> str:
    return "generate" if isinstance(value, dict) and "generate" in value else "person"


PersonEntry = Annotated[
    Annotated[PersonSpec, Tag("person")] | Annotated[GeneratedPersons, Tag("generate")],
    Discriminator(_person_entry_kind),
]


class PostSpec(StrictModel):
    """A guard post at a portal or in a zone, and the persons assigned to it."""

    name: Name
    portal: str | None = None
    zone: str | None = None
    assigned: list[str] = Field(default_factory=list)


class AccountSpec(StrictModel):
    """An operator account; without ``password`` one is generated and reported once."""

    username: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    roles: list[str] = Field(min_length=1)
    person: str | None = None
    display_name: str | None = None
    password: str | None = None


class Station(StrictModel):
    """Everything that exists before the first inject."""

    parties: list[PartySpec] = Field(default_factory=list)
    zones: list[ZoneSpec] = Field(default_factory=list)
    portals: list[PortalSpec] = Field(default_factory=list)
    persons: list[PersonEntry] = Field(default_factory=list)
    posts: list[PostSpec] = Field(default_factory=list)
    accounts: list[AccountSpec] = Field(default_factory=list)

    def numbered_persons(self) -> list[tuple[int, PersonSpec]]:
        """Named and generated persons in file order, each with its entry's index."""
        found: list[tuple[int, PersonSpec]] = []
        for i, entry in enumerate(self.persons):
            specs = entry.generate.persons() if isinstance(entry, GeneratedPersons) else [entry]
            found.extend((i, spec) for spec in specs)
        return found

    def all_persons(self) -> list[PersonSpec]:
        """Named and generated persons, in file order."""
        return [spec for _i, spec in self.numbered_persons()]


class _WithArguments(BaseModel):
    """An entry whose fields besides its own are the arguments of a registered handler."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    @property
    def arguments(self) -> dict[str, Any]:
        """The fields this entry passes on to its handler."""
        return dict(self.model_extra or {})


class Inject(_WithArguments):
    """One action taken by a named actor at a time from the start."""

    at: Offset
    actor: Name
    action: Name
    refused: bool = False  # the action is expected to be refused (a domain error)


class Expectation(_WithArguments):
    """A named check on the outcome, done after the last inject."""

    name: Name
    check: Name


class Scenario(StrictModel):
    """A whole scenario file."""

    scenario: Name
    description: str = ""
    start: datetime | None = None
    station: Station = Field(default_factory=Station)
    timeline: list[Inject] = Field(default_factory=list)
    expect: list[Expectation] = Field(default_factory=list)

    @field_validator("start")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give the start with a time zone, e.g. 2031-05-14T06:00:00Z")
        return value

    def groups(self) -> dict[str, list[str]]:
        """Person names by group."""
        found: dict[str, list[str]] = {}
        for person in self.station.all_persons():
            if person.group:
                found.setdefault(person.group, []).append(person.name)
        return found
