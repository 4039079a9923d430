"""The catalogue of items and the tracked units of each."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster import clock
from muster.errors import Conflict, Invalid, NotFound
from muster.events.service import append_event
from muster.logistics.enums import ItemKind
from muster.logistics.locations import Location
from muster.logistics.models import Item, Unit
from muster.logistics.schemas import ItemCreate, ItemUpdate
from muster.policy.actor import Actor
from muster.policy.authorize import authorize

MANAGE = "logistics.item.manage"


def get_item(session: Session, item_id: str) -> Item:
    """The item with this id."""
    item = session.get(Item, item_id)
    if item is None:
        raise NotFound(f"no item with id {item_id!r}; list items to find the right id")
    return item


def find_item(session: Session, ref: str) -> Item:
    """The item with this id or exact name."""
    item = session.get(Item, ref) or session.scalar(select(Item).where(Item.name == ref))
    if item is None:
        raise NotFound(f"no item with id or name {ref!r}")
    return item


def _check_reorder_level(tracked: bool, level: Decimal) -> None:
    """A tracked item is counted in whole units, so is its reorder level."""
    if tracked and level != level.to_integral_value():
        raise Invalid("a tracked item's reorder level is a whole number of units")


def create_item(session: Session, *, data: ItemCreate, actor: Actor) -> Item:
    """Add an item to the catalogue."""
    authorize(actor, MANAGE)
    if session.scalar(select(Item.id).where(Item.name == data.name)):
        raise Conflict(f"an item named {data.name!r} exists already; use another name")
    _check_reorder_level(data.tracked, data.reorder_level)
    at = clock.now()
    item = Item(**data.model_dump(), created_at=at, updated_at=at)
    session.add(item)
    session.flush()
    append_event(
        session,
        kind="logistics.item.created",
        actor=actor,
        subjects=[item.id],
        payload=data.model_dump(),
    )
    return item


def update_item(session: Session, *, item_id: str, data: ItemUpdate, actor: Actor) -> Item:
    """Change the given fields of an item."""
    authorize(actor, MANAGE)
    item = get_item(session, item_id)
    values = data.model_dump(exclude_unset=True)
    new_name = values.get("name", item.name)
    if new_name != item.name and session.scalar(select(Item.id).where(Item.name == new_name)):
        raise Conflict(f"an item named {values['name']!r} exists already; use another name")
    if "reorder_level" in values:
        _check_reorder_level(item.tracked, values["reorder_level"])
    changes: dict[str, list[Any]] = {}
    for field, value in values.items():
        if getattr(item, field) != value:
            changes[field] = [getattr(item, field), value]
            setattr(item, field, value)
    if changes:
        item.updated_at = clock.now()
        append_event(
            session,
            kind="logistics.item.updated",
            actor=actor,
            subjects=[item.id],
            payload={"changes": changes},
        )
    return item


def list_items(
    session: Session, *, kind: ItemKind | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[Item], int]:
    """Items by name."""
    query = select(Item)
    if kind is not None:
        query = query.where(Item.kind == kind)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Item.name).limit(limit).offset(offset)).all()
    return list(rows), total


def get_unit(session: Session, unit_id: str) -> Unit:
    """The tracked unit with this id."""
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(f"no unit with id {unit_id!r}")
    return unit


def find_unit(session: Session, item: Item, serial: str) -> Unit:
    """The unit of ``item`` with this serial."""
    unit = session.scalar(select(Unit).where(Unit.item_id == item.id, Unit.serial == serial))
    if unit is None:
        raise NotFound(f"no {item.name} with serial {serial!r}")
    return unit


def list_units(
    session: Session, *, item_id: str | None = None, location: Location | None = None
) -> list[Unit]:
    """Tracked units by serial, of an item and/or at a location."""
    query = select(Unit)
    if item_id is not None:
        query = query.where(Unit.item_id == item_id)
    if location is not None:
        query = query.where(Unit.location_kind == location.kind, Unit.location_id == location.id)
    return list(session.scalars(query.order_by(Unit.serial)).all())


def unit_location(unit: Unit) -> Location:
    """Where a unit is in stock; Conflict if it was written off."""
    if unit.location_kind is None or unit.location_id is None:
        raise Conflict(f"unit {unit.serial} is written off and is nowhere in stock")
    return Location(unit.location_kind, unit.location_id)
