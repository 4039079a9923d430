"""API shapes for zones, portals and posts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

from pydantic import Field, StringConstraints, model_validator

from muster.people.schemas import Name, RefId, refuse_nulls
from muster.places.enums import PortalKind, PortalMode, ZoneKind
from muster.schemas import ReadModel, StrictModel

Description = Annotated[str, StringConstraints(max_length=4000)]
MapCoordinate = Annotated[float, Field(ge=-1_000_000, le=1_000_000, allow_inf_nan=False)]


class ZoneCreate(StrictModel):
    """A zone to register; only a collar can have a party docked at it."""

    name: Name
    kind: ZoneKind
    docked_party_id: RefId | None = None
    description: Description = ""
    map_x: MapCoordinate | None = None
    map_y: MapCoordinate | None = None


class ZoneUpdate(StrictModel):
    """A partial change to a zone; ``docked_party_id: null`` records the vessel's departure."""

    name: Name | None = None
    kind: ZoneKind | None = None
    docked_party_id: RefId | None = None
    description: Description | None = None
    map_x: MapCoordinate | None = None
    map_y: MapCoordinate | None = None

    @model_validator(mode="after")
    def _no_null_for_required(self) -> Self:
        refuse_nulls(self, ("name", "kind", "description"))
        return self


class ZoneRead(ReadModel):
    """A zone as the API shows it."""

    id: str
    name: str
    kind: ZoneKind
    docked_party_id: str | None
    description: str
    map_x: float | None
    map_y: float | None
    created_at: datetime
    updated_at: datetime


class PortalCreate(StrictModel):
    """An airlock (internal zone to a collar) or a door (between two internal zones).

    A new portal starts in normal mode; the access domain changes modes.
    """

    name: Name
    kind: PortalKind
    inside_zone_id: RefId
    outside_zone_id: RefId


class PortalUpdate(StrictModel):
    """A partial change to a portal's name, kind or zones (never its mode)."""

    name: Name | None = None
    kind: PortalKind | None = None
    inside_zone_id: RefId | None = None
    outside_zone_id: RefId | None = None

    @model_validator(mode="after")
    def _no_null_for_required(self) -> Self:
        refuse_nulls(self, ("name", "kind", "inside_zone_id", "outside_zone_id"))
        return self


class PortalRead(ReadModel):
    """A portal as the API shows it, with its current mode."""

    id: str
    name: str
    kind: PortalKind
    inside_zone_id: str
    outside_zone_id: str
    mode: PortalMode
    mode_reason: str
    created_at: datetime
    updated_at: datetime


class PostCreate(StrictModel):
    """A guard post, at a portal or in a zone."""

    name: Name
    portal_id: RefId | None = None
    zone_id: RefId | None = None


class PostUpdate(StrictModel):
    """A partial change to a post; ``null`` clears its portal or zone."""

    name: Name | None = None
    portal_id: RefId | None = None
    zone_id: RefId | None = None

    @model_validator(mode="after")
    def _no_null_for_required(self) -> Self:
        refuse_nulls(self, ("name",))
        return self


class PostRead(ReadModel):
    """A post as the API shows it."""

    id: str
    name: str
    portal_id: str | None
    zone_id: str | None
    created_at: datetime
    updated_at: datetime


class PostMemberAdd(StrictModel):
    """A person to assign to a post."""

    person_id: RefId


class PostAssignmentRead(ReadModel):
    """A person's assignment to a post."""

    post_id: str
    person_id: str
    assigned_at: datetime
