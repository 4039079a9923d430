"""Where stock can be: a zone, a post or a person from the registry, or a delivery in transit.

Logistics reads the registry's tables to check and name locations; it never writes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.errors import Invalid, NotFound
from muster.logistics.enums import LocationKind
from muster.people.models import Person
from muster.places.models import Post, Zone


@dataclass(frozen=True)
class Location:
    """A place stock can be: its kind and the id of the zone, post, person or delivery."""

    kind: LocationKind
    id: str

    def as_dict(self) -> dict[str, str]:
        """The JSON form used in events."""
        return {"kind": self.kind.value, "id": self.id}


_TABLES: dict[LocationKind, type[Zone] | type[Post] | type[Person]] = {
    LocationKind.ZONE: Zone,
    LocationKind.POST: Post,
    LocationKind.PERSON: Person,
}


def _named(
    session: Session, table: type[Zone] | type[Post] | type[Person], ref: str
) -> Zone | Post | Person | None:
    return cast("Zone | Post | Person | None", session.get(table, ref))


def check_location(session: Session, location: Location) -> Location:
    """Raise NotFound unless the zone, post or person exists (transit is checked by its user)."""
    table = _TABLES.get(location.kind)
    if table is None:
        raise Invalid(
            f"stock cannot be placed {location.kind.value} directly; "
            "give a zone, a post or a person"
        )
    row = _named(session, table, location.id)
    if row is None:
        raise NotFound(f"no {location.kind.value} with id {location.id!r}")
    if isinstance(row, Person) and row.archived_at is not None:
        raise Invalid(f"{row.name} is archived and cannot hold stock")
    return location


def find_location(session: Session, kind: LocationKind, ref: str) -> Location:
    """The zone, post or person with this id or exact name."""
    table = _TABLES.get(kind)
    if table is None:
        raise Invalid(f"give a zone, a post or a person, not {kind.value}")
    row = _named(session, table, ref) or cast(
        "Zone | Post | Person | None", session.scalar(select(table).where(table.name == ref))
    )
    if row is None:
        raise NotFound(f"no {kind.value} with id or name {ref!r}")
    return Location(kind, row.id)


def location_name(session: Session, location: Location) -> str:
    """A readable name: the zone's, post's or person's, or "in transit"."""
    table = _TABLES.get(location.kind)
    if table is None:
        return f"in transit ({location.id[:8]})"
    row = _named(session, table, location.id)
    return row.name if row is not None else f"unknown {location.kind.value} {location.id}"


def parse_location(value: str) -> Location:
    """Parse ``kind:id`` as the CLI and query strings write it."""
    kind, sep, ref = value.partition(":")
    if not sep or not ref:
        raise Invalid(f"give a location as kind:id, e.g. zone:<id>, not {value!r}")
    try:
        return Location(LocationKind(kind), ref)
    except ValueError:
        kinds = ", ".join(k.value for k in LocationKind if k is not LocationKind.TRANSIT)
        raise Invalid(f"unknown location kind {kind!r}; use one of {kinds}") from None
