"""Logistics tables: items, stock by location, the movement ledger, units and custody.

Locations are polymorphic (a zone, a post, a person, or a delivery in transit): a kind and
an id, checked by the service against the registry, so there is no foreign key on them.
Requests, deliveries and work orders live in ``request_models`` and ``workorder_models``,
imported at the end of this module so that the metadata sees every logistics table.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from muster.db import Base, UTCDateTime, new_id
from muster.logistics.enums import (
    HolderKind,
    ItemKind,
    LocationKind,
    MovementReason,
    UnitStatus,
)

# Exact quantities: up to 14 digits before the point and 4 after, never a float.
QUANTITY_PRECISION = 18
QUANTITY_SCALE = 4


def quantity_column() -> Numeric[Decimal]:
    """The type of every quantity column."""
    return Numeric(QUANTITY_PRECISION, QUANTITY_SCALE, asdecimal=True)


def enum_column(enum: type[StrEnum], length: int = 20) -> Enum:
    """A portable enum column storing the members' values."""
    return Enum(
        enum,
        native_enum=False,
        length=length,
        values_callable=lambda e: [member.value for member in e],
    )


class Item(Base):
    """A kind of thing the station stocks: a weapon type, a sheet of aluminium, a ration."""

    __tablename__ = "logistics_items"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[ItemKind] = mapped_column(enum_column(ItemKind), index=True)
    unit: Mapped[str] = mapped_column(String(40))
    tracked: Mapped[bool] = mapped_column(Boolean, default=False)
    reorder_level: Mapped[Decimal] = mapped_column(quantity_column(), default=Decimal(0))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StockLevel(Base):
    """How much of an item is at one location, and how much of that is reserved."""

    __tablename__ = "logistics_stock_levels"
    __table_args__ = (
        UniqueConstraint("item_id", "location_kind", "location_id", name="uq_logistics_stock_at"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("reserved <= quantity", name="reserved_within_quantity"),
        Index("ix_logistics_stock_levels_location", "location_kind", "location_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    item_id: Mapped[str] = mapped_column(String(36), ForeignKey("logistics_items.id"))
    location_kind: Mapped[LocationKind] = mapped_column(enum_column(LocationKind))
    location_id: Mapped[str] = mapped_column(String(36))
    quantity: Mapped[Decimal] = mapped_column(quantity_column(), default=Decimal(0))
    reserved: Mapped[Decimal] = mapped_column(quantity_column(), default=Decimal(0))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Movement(Base):
    """One line of the stock ledger: a quantity (or one unit) from a place to a place.

    No ``from`` is stock entering (received, produced); no ``to`` is stock leaving
    (consumed, written off).
    """

    __tablename__ = "logistics_movements"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    item_id: Mapped[str] = mapped_column(String(36), ForeignKey("logistics_items.id"), index=True)
    unit_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("logistics_units.id"), nullable=True, index=True
    )
    quantity: Mapped[Decimal] = mapped_column(quantity_column())
    from_kind: Mapped[LocationKind | None] = mapped_column(enum_column(LocationKind), nullable=True)
    from_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    to_kind: Mapped[LocationKind | None] = mapped_column(enum_column(LocationKind), nullable=True)
    to_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    reason: Mapped[MovementReason] = mapped_column(enum_column(MovementReason))
    reference_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    actor_id: Mapped[str] = mapped_column(String(100))
    actor: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")


class Unit(Base):
    """One tracked unit of an item, known by its serial number."""

    __tablename__ = "logistics_units"
    __table_args__ = (
        UniqueConstraint("item_id", "serial", name="uq_logistics_units_serial"),
        Index("ix_logistics_units_location", "location_kind", "location_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    item_id: Mapped[str] = mapped_column(String(36), ForeignKey("logistics_items.id"), index=True)
    serial: Mapped[str] = mapped_column(String(100))
    status: Mapped[UnitStatus] = mapped_column(
        enum_column(UnitStatus), default=UnitStatus.AVAILABLE
    )
    # None once written off: the unit is then nowhere in stock.
    location_kind: Mapped[LocationKind | None] = mapped_column(
        enum_column(LocationKind), nullable=True
    )
    location_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Custody(Base):
    """One signature in a unit's chain of custody: out to a holder, and back."""

    __tablename__ = "logistics_custody"
    __table_args__ = (Index("ix_logistics_custody_holder", "holder_kind", "holder_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    unit_id: Mapped[str] = mapped_column(String(36), ForeignKey("logistics_units.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 1 for the unit's first signature
    holder_kind: Mapped[HolderKind] = mapped_column(enum_column(HolderKind))
    holder_id: Mapped[str] = mapped_column(String(36))
    # The person who signed: the holder, or the person signing for a post.
    signed_by_person_id: Mapped[str] = mapped_column(String(36), ForeignKey("persons.id"))
    from_kind: Mapped[LocationKind] = mapped_column(enum_column(LocationKind))
    from_id: Mapped[str] = mapped_column(String(36))
    out_at: Mapped[datetime] = mapped_column(UTCDateTime())
    out_actor: Mapped[str] = mapped_column(String(200))
    reference_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    back_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    back_actor: Mapped[str | None] = mapped_column(String(200), nullable=True)
    back_to_kind: Mapped[LocationKind | None] = mapped_column(
        enum_column(LocationKind), nullable=True
    )
    back_to_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    # A unit lost while out ends its chain here, with a reason and a witness, never back.
    lost_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    lost_actor: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lost_reason: Mapped[str] = mapped_column(Text, default="")
    witness_person_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("persons.id"), nullable=True
    )


# Imported for their side effect: the tables join the metadata with this module's.
from muster.logistics import request_models, workorder_models  # noqa: E402, F401
