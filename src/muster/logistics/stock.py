"""Items and stock: receive, transfer, count, consume; levels by location; the ledger.

Every public function appends one event naming the item, the units and the locations.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster import clock
from muster.errors import Conflict, Invalid
from muster.events.service import append_event
from muster.logistics.enums import LocationKind, MovementReason, UnitStatus
from muster.logistics.items import find_unit, get_item
from muster.logistics.ledger import move, stock_level
from muster.logistics.locations import Location, check_location, location_name
from muster.logistics.models import Item, Movement, StockLevel, Unit
from muster.logistics.quantities import ZERO, check_quantity
from muster.policy.actor import Actor
from muster.policy.authorize import authorize

MOVE = "logistics.stock.move"


def authorize_move(actor: Actor) -> None:
    """Who may move stock (``logistics.stock.move``): asked before any item or place is
    looked up, so a caller who may not learns nothing of what is on record."""
    authorize(actor, MOVE)


def _units_at(session: Session, item: Item, location: Location, serials: list[str]) -> list[Unit]:
    units = [find_unit(session, item, s) for s in serials]
    for unit in units:
        if unit.status is not UnitStatus.AVAILABLE:
            raise Conflict(f"{item.name} {unit.serial} is {unit.status.value}; sign it back first")
        if unit.location_kind != location.kind or unit.location_id != location.id:
            raise Conflict(
                f"{item.name} {unit.serial} is not at {location_name(session, location)}"
            )
    return units


def _quantity_or_serials(item: Item, quantity: Decimal | None, serials: list[str] | None) -> None:
    if item.tracked and not serials:
        raise Invalid(f"{item.name} is tracked by serial number; list the serials")
    if not item.tracked and serials:
        raise Invalid(f"{item.name} is not tracked by serial number; give a quantity")
    if not item.tracked:
        check_quantity(item, quantity if quantity is not None else ZERO)


# Movements


def _record(
    session: Session,
    kind: str,
    item: Item,
    rows: list[Movement],
    actor: Actor,
    extra: dict[str, Any] | None = None,
) -> None:
    first = rows[0]
    payload: dict[str, Any] = {
        "item_id": item.id,
        "item": item.name,
        "quantity": sum((r.quantity for r in rows), ZERO),
        "unit": item.unit,
        "from": {"kind": first.from_kind, "id": first.from_id} if first.from_kind else None,
        "to": {"kind": first.to_kind, "id": first.to_id} if first.to_kind else None,
        "movement_ids": [r.id for r in rows],
        "note": first.note,
        **(extra or {}),
    }
    subjects = [item.id, first.from_id or "", first.to_id or ""]
    subjects += [r.unit_id for r in rows if r.unit_id]
    append_event(session, kind=kind, actor=actor, subjects=subjects, payload=payload)


def receive_stock(
    session: Session,
    *,
    item_id: str,
    location: Location,
    quantity: Decimal | None = None,
    serials: list[str] | None = None,
    note: str = "",
    reason: MovementReason = MovementReason.RECEIVED,
    reference_id: str | None = None,
    actor: Actor,
) -> list[Movement]:
    """Stock arriving: a quantity, or new tracked units by serial."""
    authorize_move(actor)
    return put_in_stock(
        session,
        item_id=item_id,
        location=location,
        quantity=quantity,
        serials=serials,
        note=note,
        reason=reason,
        reference_id=reference_id,
        actor=actor,
    )


def put_in_stock(
    session: Session,
    *,
    item_id: str,
    location: Location,
    quantity: Decimal | None = None,
    serials: list[str] | None = None,
    note: str = "",
    reason: MovementReason = MovementReason.RECEIVED,
    reference_id: str | None = None,
    actor: Actor,
) -> list[Movement]:
    """``receive_stock`` for a use case that authorized its own action (a work order's
    product entering stock is the work order's completion, not a receipt)."""
    item = get_item(session, item_id)
    check_location(session, location)
    _quantity_or_serials(item, quantity, serials)
    rows: list[Movement] = []
    common: dict[str, Any] = {
        "item": item,
        "source": None,
        "dest": location,
        "reason": reason,
        "actor": actor,
        "note": note,
        "reference_id": reference_id,
    }
    if item.tracked:
        for serial in serials or []:
            if session.scalar(
                select(Unit.id).where(Unit.item_id == item.id, Unit.serial == serial)
            ):
                raise Conflict(f"{item.name} {serial} is already in stock; serials are unique")
            at = clock.now()
            unit = Unit(
                item_id=item.id,
                serial=serial,
                status=UnitStatus.AVAILABLE,
                created_at=at,
                updated_at=at,
            )
            session.add(unit)
            session.flush()
            rows.append(move(session, quantity=Decimal(1), unit=unit, **common))
    else:
        rows.append(move(session, quantity=quantity or ZERO, **common))
    kind = (
        "logistics.stock.produced"
        if reason is MovementReason.PRODUCED
        else ("logistics.stock.received")
    )
    _record(session, kind, item, rows, actor, {"serials": serials or []})
    return rows


def transfer_stock(
    session: Session,
    *,
    item_id: str,
    source: Location,
    dest: Location,
    quantity: Decimal | None = None,
    serials: list[str] | None = None,
    note: str = "",
    actor: Actor,
) -> list[Movement]:
    """Move stock from one location to another."""
    authorize_move(actor)
    item = get_item(session, item_id)
    check_location(session, source)
    check_location(session, dest)
    if source == dest:
        raise Invalid("the source and the destination are the same place")
    _quantity_or_serials(item, quantity, serials)
    common: dict[str, Any] = {
        "item": item,
        "source": source,
        "dest": dest,
        "reason": MovementReason.TRANSFERRED,
        "actor": actor,
        "note": note,
    }
    if item.tracked:
        units = _units_at(session, item, source, serials or [])
        rows = [move(session, quantity=Decimal(1), unit=u, **common) for u in units]
    else:
        rows = [move(session, quantity=quantity or ZERO, **common)]
    _record(session, "logistics.stock.transferred", item, rows, actor, {"serials": serials or []})
    return rows


def consume_stock(
    session: Session,
    *,
    item_id: str,
    location: Location,
    quantity: Decimal | None = None,
    serials: list[str] | None = None,
    note: str = "",
    actor: Actor,
) -> list[Movement]:
    """Stock used up, lost or written off at a location."""
    authorize_move(actor)
    item = get_item(session, item_id)
    check_location(session, location)
    _quantity_or_serials(item, quantity, serials)
    common: dict[str, Any] = {
        "item": item,
        "source": location,
        "dest": None,
        "reason": MovementReason.CONSUMED,
        "actor": actor,
        "note": note,
    }
    if item.tracked:
        units = _units_at(session, item, location, serials or [])
        rows = []
        for unit in units:
            rows.append(move(session, quantity=Decimal(1), unit=unit, **common))
            unit.status = UnitStatus.WRITTEN_OFF
    else:
        rows = [move(session, quantity=quantity or ZERO, **common)]
    _record(session, "logistics.stock.consumed", item, rows, actor, {"serials": serials or []})
    return rows


def adjust_stock(
    session: Session,
    *,
    item_id: str,
    location: Location,
    quantity: Decimal,
    note: str = "",
    reason: MovementReason = MovementReason.ADJUSTED,
    actor: Actor,
) -> Movement | None:
    """Set the count of an untracked item at a location; None when it was already right."""
    authorize_move(actor)
    item = get_item(session, item_id)
    check_location(session, location)
    if item.tracked:
        raise Invalid(f"{item.name} is tracked by serial; receive or consume units instead")
    check_quantity(item, quantity, allow_zero=True)
    if not note.strip():
        raise Invalid("say why the count changes (a note), so the ledger explains it")
    level = stock_level(session, item.id, location)
    have = level.quantity if level else ZERO
    if level is not None and quantity < level.reserved:
        raise Conflict(
            f"{level.reserved} {item.unit} of {item.name} are reserved there; "
            "release the reservation before counting lower"
        )
    if quantity == have:
        return None
    delta = quantity - have
    source, dest = (None, location) if delta > 0 else (location, None)
    row = move(
        session,
        item=item,
        quantity=abs(delta),
        source=source,
        dest=dest,
        reason=reason,
        actor=actor,
        note=note,
    )
    _record(
        session, "logistics.stock.adjusted", item, [row], actor, {"counted": quantity, "was": have}
    )
    return row


# Views


@dataclass(frozen=True)
class LevelView:
    """A stock level with the names a reader needs."""

    item_id: str
    item: str
    unit: str
    location_kind: LocationKind
    location_id: str
    location: str
    quantity: Decimal
    reserved: Decimal
    available: Decimal


def list_levels(
    session: Session,
    *,
    location: Location | None = None,
    item_id: str | None = None,
    include_empty: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[LevelView], int]:
    """Stock by location and item."""
    query = select(StockLevel, Item).join(Item, Item.id == StockLevel.item_id)
    if location is not None:
        query = query.where(
            StockLevel.location_kind == location.kind, StockLevel.location_id == location.id
        )
    if item_id is not None:
        query = query.where(StockLevel.item_id == item_id)
    if not include_empty:
        query = query.where(StockLevel.quantity > 0)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order = (Item.name, StockLevel.location_kind, StockLevel.location_id)
    rows = session.execute(query.order_by(*order).limit(limit).offset(offset)).all()
    views = [
        LevelView(
            item_id=item.id,
            item=item.name,
            unit=item.unit,
            location_kind=level.location_kind,
            location_id=level.location_id,
            location=location_name(session, Location(level.location_kind, level.location_id)),
            quantity=level.quantity,
            reserved=level.reserved,
            available=level.quantity - level.reserved,
        )
        for level, item in rows
    ]
    return views, total


def item_total(session: Session, item_id: str) -> Decimal:
    """How much of an item the station holds, wherever it is."""
    levels = session.scalars(select(StockLevel.quantity).where(StockLevel.item_id == item_id))
    return sum(levels, ZERO)


def items_below_reorder(session: Session) -> list[tuple[Item, Decimal]]:
    """Items whose station-wide total is at or below their reorder level (when one is set)."""
    found = []
    for item in session.scalars(select(Item).where(Item.reorder_level > 0).order_by(Item.name)):
        total = item_total(session, item.id)
        if total <= item.reorder_level:
            found.append((item, total))
    return found


def list_movements(
    session: Session,
    *,
    item_id: str | None = None,
    unit_id: str | None = None,
    reference_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Movement], int]:
    """Ledger lines, oldest first."""
    query = select(Movement)
    for column, value in (
        (Movement.item_id, item_id),
        (Movement.unit_id, unit_id),
        (Movement.reference_id, reference_id),
    ):
        if value is not None:
            query = query.where(column == value)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order = (Movement.at, Movement.id)
    rows = session.scalars(query.order_by(*order).limit(limit).offset(offset)).all()
    return list(rows), total
