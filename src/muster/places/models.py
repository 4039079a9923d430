"""Zones, portals between them, and guard posts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Enum, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from muster.db import Base, UTCDateTime, new_id
from muster.places.enums import PortalKind, PortalMode, ZoneKind


def _values(enum: type[ZoneKind] | type[PortalKind] | type[PortalMode]) -> list[str]:
    return [member.value for member in enum]


class Zone(Base):
    """A part of the station, or a docking collar with the vessel docked at it."""

    __tablename__ = "zones"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[ZoneKind] = mapped_column(
        Enum(ZoneKind, native_enum=False, length=20, values_callable=_values)
    )
    docked_party_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("parties.id"), nullable=True
    )
    description: Mapped[str] = mapped_column(Text, default="")
    map_x: Mapped[float | None] = mapped_column(Float, nullable=True)
    map_y: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Portal(Base):
    """An airlock or door. "Exit" goes from the inside zone to the outside zone."""

    __tablename__ = "portals"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[PortalKind] = mapped_column(
        Enum(PortalKind, native_enum=False, length=20, values_callable=_values)
    )
    inside_zone_id: Mapped[str] = mapped_column(String(36), ForeignKey("zones.id"))
    outside_zone_id: Mapped[str] = mapped_column(String(36), ForeignKey("zones.id"))
    mode: Mapped[PortalMode] = mapped_column(
        Enum(PortalMode, native_enum=False, length=20, values_callable=_values),
        default=PortalMode.NORMAL,
    )
    mode_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Post(Base):
    """A guard post, usually at a portal, with the persons assigned to it."""

    __tablename__ = "posts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    portal_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("portals.id"), nullable=True, index=True
    )
    zone_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("zones.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PostAssignment(Base):
    """A person assigned to a post."""

    __tablename__ = "post_assignments"

    post_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[str] = mapped_column(String(36), ForeignKey("persons.id"), primary_key=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime())
