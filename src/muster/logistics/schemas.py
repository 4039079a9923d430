"""API shapes for items, stock, movements, units and custody."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Self

from pydantic import Field, PlainSerializer, StringConstraints, model_validator

from muster.logistics.enums import HolderKind, ItemKind, LocationKind, MovementReason, UnitStatus
from muster.logistics.quantities import MAX_QUANTITY, quantity_text
from muster.schemas import ReadModel, StrictModel

Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
RefId = Annotated[str, StringConstraints(min_length=1, max_length=36)]
Serial = Annotated[str, StringConstraints(min_length=1, max_length=100)]
UnitName = Annotated[str, StringConstraints(min_length=1, max_length=40)]
Notes = Annotated[str, StringConstraints(max_length=4000)]
MAX_SERIALS = 1000

# Quantities in: exact decimals (JSON numbers or text). Out: text, so nothing is rounded.
QuantityIn = Annotated[Decimal, Field(gt=0, le=MAX_QUANTITY, decimal_places=4, allow_inf_nan=False)]
LevelIn = Annotated[Decimal, Field(ge=0, le=MAX_QUANTITY, decimal_places=4, allow_inf_nan=False)]
Quantity = Annotated[Decimal, PlainSerializer(quantity_text, return_type=str, when_used="json")]


class LocationRef(StrictModel):
    """A zone, post or person, by id."""

    kind: LocationKind
    id: RefId


class ItemCreate(StrictModel):
    """An item to stock."""

    name: Name
    kind: ItemKind
    unit: UnitName = "each"
    tracked: bool = False
    reorder_level: LevelIn = Decimal(0)
    description: Notes = ""


class ItemUpdate(StrictModel):
    """A partial change to an item (whether it is tracked cannot change)."""

    name: Name | None = None
    kind: ItemKind | None = None
    unit: UnitName | None = None
    reorder_level: LevelIn | None = None
    description: Notes | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null; leave it out to keep the current value")
        return self


class ItemRead(ReadModel):
    """An item as the API shows it."""

    id: str
    name: str
    kind: ItemKind
    unit: str
    tracked: bool
    reorder_level: Quantity
    description: str
    created_at: datetime
    updated_at: datetime


class _WithSerials(StrictModel):
    """A quantity of an untracked item, or the serials of tracked units (not both)."""

    quantity: QuantityIn | None = None
    serials: list[Serial] | None = Field(default=None, min_length=1, max_length=MAX_SERIALS)
    note: Notes = ""

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if (self.quantity is None) == (self.serials is None):
            raise ValueError("give a quantity (untracked items) or serials (tracked units)")
        if self.serials is not None and len(set(self.serials)) != len(self.serials):
            raise ValueError("a serial is listed twice")
        return self


class StockReceive(_WithSerials):
    """Stock arriving at a location."""

    item_id: RefId
    location: LocationRef


class StockTransfer(_WithSerials):
    """Stock moved from one location to another."""

    item_id: RefId
    source: LocationRef
    dest: LocationRef


class StockConsume(_WithSerials):
    """Stock used up or lost at a location."""

    item_id: RefId
    location: LocationRef


class StockAdjust(StrictModel):
    """A count of an untracked item at a location, set after a stocktake."""

    item_id: RefId
    location: LocationRef
    quantity: LevelIn
    note: Notes = ""


class LevelRead(ReadModel):
    """How much of an item is at one location."""

    item_id: str
    item: str
    unit: str
    location_kind: LocationKind
    location_id: str
    location: str
    quantity: Quantity
    reserved: Quantity
    available: Quantity


class ReorderRead(ReadModel):
    """An item at or below its reorder level."""

    item_id: str
    item: str
    unit: str
    total: Quantity
    reorder_level: Quantity


class MovementRead(ReadModel):
    """A ledger line."""

    id: str
    at: datetime
    item_id: str
    unit_id: str | None
    quantity: Quantity
    from_kind: LocationKind | None
    from_id: str | None
    to_kind: LocationKind | None
    to_id: str | None
    reason: MovementReason
    reference_id: str | None
    actor: str
    note: str


class UnitRead(ReadModel):
    """A tracked unit."""

    id: str
    item_id: str
    serial: str
    status: UnitStatus
    location_kind: LocationKind | None
    location_id: str | None
    notes: str


class SignOut(StrictModel):
    """Sign a unit out to a person or a post; ``signed_by`` is who signs for a post."""

    unit_id: RefId
    holder_kind: HolderKind
    holder_id: RefId
    signed_by_person_id: RefId | None = None
    note: Notes = ""


class SignBack(StrictModel):
    """Sign a unit back in, to a location (by default where it came from)."""

    unit_id: RefId
    to: LocationRef | None = None
    note: Notes = ""


class LostIn(StrictModel):
    """A unit lost while signed out: how it was lost, and who witnessed it."""

    unit_id: RefId
    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    witness_person_id: RefId


class CustodyRead(ReadModel):
    """One link of a chain of custody."""

    id: str
    unit_id: str
    holder_kind: HolderKind
    holder_id: str
    signed_by_person_id: str
    from_kind: LocationKind
    from_id: str
    out_at: datetime
    out_actor: str
    reference_id: str | None
    back_at: datetime | None
    back_actor: str | None
    back_to_kind: LocationKind | None
    back_to_id: str | None
    note: str
    lost_at: datetime | None = None
    lost_actor: str | None = None
    lost_reason: str = ""
    witness_person_id: str | None = None
