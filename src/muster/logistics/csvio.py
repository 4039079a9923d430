"""Stock as CSV: export, and import as a stocktake that writes all of a file or none of it.

Columns: ``item, kind, unit, tracked, reorder_level, location_kind, location, quantity,
serial``. Locations are named (the zone's, post's or person's name). A row of an untracked
item sets the count at its location; a row of a tracked item is one unit by serial. A row
with no location only defines the item. Importing a file that was exported changes nothing.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.errors import DomainError, Invalid
from muster.logistics.enums import ItemKind, LocationKind, MovementReason, UnitStatus
from muster.logistics.items import MANAGE, create_item
from muster.logistics.locations import Location, find_location, location_name
from muster.logistics.models import Item, StockLevel, Unit
from muster.logistics.quantities import check_quantity, parse_quantity, quantity_text
from muster.logistics.schemas import ItemCreate
from muster.logistics.stock import MOVE, adjust_stock, receive_stock
from muster.policy.actor import Actor
from muster.policy.authorize import authorize

COLUMNS = (
    "item",
    "kind",
    "unit",
    "tracked",
    "reorder_level",
    "location_kind",
    "location",
    "quantity",
    "serial",
)
MAX_ROWS = 50_000
_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n", ""}


def export_stock_csv(session: Session) -> str:
    """Every item, and its stock by location (tracked units one row each)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for item in session.scalars(select(Item).order_by(Item.name)):
        base = [
            item.name,
            item.kind.value,
            item.unit,
            "true" if item.tracked else "false",
            quantity_text(item.reorder_level),
        ]
        rows: list[list[str]] = []
        if item.tracked:
            units = select(Unit).where(Unit.item_id == item.id).order_by(Unit.serial)
            for unit in session.scalars(units):
                if unit.location_kind is None or unit.location_kind is LocationKind.TRANSIT:
                    continue
                where = Location(unit.location_kind, unit.location_id or "")
                rows.append([where.kind.value, location_name(session, where), "1", unit.serial])
        else:
            levels = select(StockLevel).where(
                StockLevel.item_id == item.id,
                StockLevel.quantity > 0,
                StockLevel.location_kind != LocationKind.TRANSIT,
            )
            for level in session.scalars(levels):
                where = Location(level.location_kind, level.location_id)
                rows.append(
                    [
                        where.kind.value,
                        location_name(session, where),
                        quantity_text(level.quantity),
                        "",
                    ]
                )
        rows.sort()
        for row in rows or [["", "", "", ""]]:
            writer.writerow(base + row)
    return out.getvalue()


@dataclass
class _Row:
    line: int
    item: str
    kind: ItemKind | None
    unit: str
    tracked: bool | None
    reorder_level: Decimal
    location: Location | None
    quantity: Decimal | None
    serial: str


@dataclass
class ImportReport:
    """What an import did."""

    items_created: list[str] = field(default_factory=list)
    counts_set: int = 0
    units_added: int = 0
    unchanged: int = 0


def _parse_row(session: Session, line: int, raw: dict[str, str | None]) -> _Row:
    values = {k: (raw.get(k) or "").strip() for k in COLUMNS}
    if not values["item"]:
        raise Invalid("the item name is empty")
    kind = None
    if values["kind"]:
        try:
            kind = ItemKind(values["kind"])
        except ValueError:
            raise Invalid(
                f"kind {values['kind']!r} is not one of {', '.join(k.value for k in ItemKind)}"
            ) from None
    tracked_text = values["tracked"].lower()
    if tracked_text not in _TRUE | _FALSE:
        raise Invalid(f"tracked must be true or false, not {values['tracked']!r}")
    tracked = (tracked_text in _TRUE) if values["tracked"] else None
    reorder = parse_quantity(values["reorder_level"] or "0", what="reorder_level")
    location = None
    quantity = None
    if values["location_kind"] or values["location"]:
        try:
            where_kind = LocationKind(values["location_kind"])
        except ValueError:
            raise Invalid(
                f"location_kind must be zone, post or person, not {values['location_kind']!r}"
            ) from None
        location = find_location(session, where_kind, values["location"])
        quantity = parse_quantity(values["quantity"] or "", what="quantity")
    return _Row(
        line,
        values["item"],
        kind,
        values["unit"],
        tracked,
        reorder,
        location,
        quantity,
        values["serial"],
    )


def _check_row(session: Session, row: _Row, seen: set[tuple[str, str]]) -> None:
    existing = session.scalar(select(Item).where(Item.name == row.item))
    if existing is None and row.kind is None:
        raise Invalid(f"{row.item!r} is a new item; give its kind")
    if existing is not None and row.kind is not None and row.kind is not existing.kind:
        raise Invalid(f"{row.item} is a {existing.kind.value}, not a {row.kind.value}")
    tracked = existing.tracked if existing is not None else bool(row.tracked)
    if existing is not None and row.tracked is not None and row.tracked != existing.tracked:
        raise Invalid(f"{row.item} is {'' if existing.tracked else 'not '}tracked by serial")
    probe = Item(name=row.item, tracked=tracked, unit=row.unit or "each")
    if row.location is None or row.quantity is None:
        return
    if tracked:
        if not row.serial:
            raise Invalid(f"{row.item} is tracked; give the unit's serial")
        if row.quantity != 1:
            raise Invalid("a tracked unit's row has quantity 1")
        key = (row.item, "serial:" + row.serial)
    else:
        if row.serial:
            raise Invalid(f"{row.item} is not tracked; leave serial empty")
        check_quantity(probe, row.quantity, allow_zero=True)
        key = (row.item, f"{row.location.kind.value}:{row.location.id}")
    if key in seen:
        raise Invalid("the same item and location (or serial) appears on an earlier row")
    seen.add(key)


def _read_rows(session: Session, text: str) -> list[_Row]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [
        c
        for c in ("item", "location_kind", "location", "quantity")
        if c not in (reader.fieldnames or [])
    ]
    if missing:
        raise Invalid(f"the CSV header lacks the columns: {', '.join(missing)}")
    rows: list[_Row] = []
    errors: list[str] = []
    seen: set[tuple[str, str]] = set()
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            raise Invalid(f"the file has more than {MAX_ROWS} rows; split it")
        try:
            row = _parse_row(session, number, raw)
            _check_row(session, row, seen)
            rows.append(row)
        except DomainError as exc:
            errors.append(f"row {number}: {exc.message}")
    if errors:
        shown = "; ".join(errors[:10]) + ("; ..." if len(errors) > 10 else "")
        raise Invalid(
            f"{len(errors)} row(s) have errors; nothing was imported: {shown}", errors=errors
        )
    return rows


def import_stock_csv(session: Session, *, text: str, actor: Actor) -> ImportReport:
    """Apply a stock CSV as a stocktake; any bad row refuses the whole file, with each error."""
    authorize(actor, MOVE)
    authorize(actor, MANAGE)
    rows = _read_rows(session, text)
    report = ImportReport()
    with session.begin_nested():
        for row in rows:
            item = session.scalar(select(Item).where(Item.name == row.item))
            if item is None:
                data = ItemCreate(
                    name=row.item,
                    kind=row.kind or ItemKind.OTHER,
                    unit=row.unit or "each",
                    tracked=bool(row.tracked),
                    reorder_level=row.reorder_level,
                )
                item = create_item(session, data=data, actor=actor)
                report.items_created.append(item.name)
            if row.location is None or row.quantity is None:
                continue
            try:
                _apply(session, item, row, row.location, row.quantity, report, actor)
            except DomainError as exc:
                raise Invalid(f"row {row.line}: {exc.message}; nothing was imported") from exc
    return report


def _apply(
    session: Session,
    item: Item,
    row: _Row,
    at: Location,
    quantity: Decimal,
    report: ImportReport,
    actor: Actor,
) -> None:
    if not item.tracked:
        moved = adjust_stock(
            session,
            item_id=item.id,
            location=at,
            quantity=quantity,
            note="CSV stocktake",
            reason=MovementReason.STOCKTAKE,
            actor=actor,
        )
        report.counts_set += moved is not None
        report.unchanged += moved is None
        return
    unit = session.scalar(select(Unit).where(Unit.item_id == item.id, Unit.serial == row.serial))
    if unit is None:
        receive_stock(
            session,
            item_id=item.id,
            location=at,
            serials=[row.serial],
            note="CSV stocktake",
            actor=actor,
        )
        report.units_added += 1
    elif (unit.location_kind, unit.location_id) == (at.kind, at.id) and (
        unit.status is not UnitStatus.WRITTEN_OFF
    ):
        report.unchanged += 1
    else:
        where = location_name(session, at)
        raise Invalid(f"{item.name} {row.serial} is recorded elsewhere, not at {where}; move it")
