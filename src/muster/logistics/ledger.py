"""The one place stock levels change: every movement writes a ledger line and checks limits.

Levels never go below zero or below what is reserved: a take that would do so is refused
before anything changes. Rows are locked ``FOR UPDATE`` on PostgreSQL (SQLite writers are
already serialised by ``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster import clock
from muster.errors import Conflict
from muster.logistics.enums import MovementReason
from muster.logistics.locations import Location, location_name
from muster.logistics.models import Item, Movement, StockLevel, Unit
from muster.logistics.quantities import ZERO, quantity_text
from muster.policy.actor import Actor


def stock_level(session: Session, item_id: str, location: Location) -> StockLevel | None:
    """The level of an item at a location, locked for this transaction; None if never stocked."""
    query = select(StockLevel).where(
        StockLevel.item_id == item_id,
        StockLevel.location_kind == location.kind,
        StockLevel.location_id == location.id,
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalar(query)


def _level_to_fill(session: Session, item_id: str, location: Location) -> StockLevel:
    level = stock_level(session, item_id, location)
    if level is None:
        level = StockLevel(
            item_id=item_id,
            location_kind=location.kind,
            location_id=location.id,
            quantity=ZERO,
            reserved=ZERO,
            updated_at=clock.now(),
        )
        session.add(level)
    return level


def take(
    session: Session, item: Item, location: Location, quantity: Decimal, *, reserved: Decimal = ZERO
) -> StockLevel:
    """Lower a level by ``quantity``, of which ``reserved`` comes out of its reservation."""
    level = stock_level(session, item.id, location)
    have = level.quantity if level else ZERO
    held = level.reserved if level else ZERO
    free = have - held
    if level is None or reserved > held or quantity - reserved > free:
        where = location_name(session, location)
        raise Conflict(
            f"only {quantity_text(free)} {item.unit} of {item.name} free at {where} "
            f"({quantity_text(have)} there, {quantity_text(held)} reserved); "
            f"{quantity_text(quantity)} cannot be taken"
        )
    level.quantity = have - quantity
    level.reserved = held - reserved
    level.updated_at = clock.now()
    return level


def put(session: Session, item: Item, location: Location, quantity: Decimal) -> StockLevel:
    """Raise a level by ``quantity``."""
    level = _level_to_fill(session, item.id, location)
    level.quantity = level.quantity + quantity
    level.updated_at = clock.now()
    return level


def reserve(session: Session, item: Item, location: Location, quantity: Decimal) -> StockLevel:
    """Set aside ``quantity`` of what is free at a location."""
    level = stock_level(session, item.id, location)
    free = (level.quantity - level.reserved) if level else ZERO
    if level is None or quantity > free:
        where = location_name(session, location)
        raise Conflict(
            f"only {quantity_text(free)} {item.unit} of {item.name} free at {where}; "
            f"{quantity_text(quantity)} cannot be reserved"
        )
    level.reserved = level.reserved + quantity
    level.updated_at = clock.now()
    return level


def release(session: Session, item: Item, location: Location, quantity: Decimal) -> None:
    """Give back ``quantity`` of a reservation."""
    level = stock_level(session, item.id, location)
    if level is None or quantity > level.reserved:
        raise Conflict(f"less than {quantity_text(quantity)} of {item.name} is reserved there")
    level.reserved = level.reserved - quantity
    level.updated_at = clock.now()


def move(
    session: Session,
    *,
    item: Item,
    quantity: Decimal,
    source: Location | None,
    dest: Location | None,
    reason: MovementReason,
    actor: Actor,
    unit: Unit | None = None,
    reference_id: str | None = None,
    note: str = "",
    reserved: Decimal = ZERO,
) -> Movement:
    """Move stock (or one unit) and write its ledger line; the caller appends the event."""
    if source is not None:
        take(session, item, source, quantity, reserved=reserved)
    if dest is not None:
        put(session, item, dest, quantity)
    if unit is not None:
        unit.location_kind = dest.kind if dest else None
        unit.location_id = dest.id if dest else None
        unit.updated_at = clock.now()
    row = Movement(
        at=clock.now(),
        item_id=item.id,
        unit_id=unit.id if unit else None,
        quantity=quantity,
        from_kind=source.kind if source else None,
        from_id=source.id if source else None,
        to_kind=dest.kind if dest else None,
        to_id=dest.id if dest else None,
        reason=reason,
        reference_id=reference_id,
        actor_id=actor.id,
        actor=actor.label,
        note=note,
    )
    session.add(row)
    session.flush()
    return row
