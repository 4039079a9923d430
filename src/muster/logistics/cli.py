"""``muster stock ...`` and ``muster workorder ...``: stock, custody and work orders."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from muster.cli.common import cli_actor, cli_session, console, fail
from muster.errors import Invalid
from muster.logistics import custody, items, losses, stock, workorders
from muster.logistics.csvio import export_stock_csv, import_stock_csv
from muster.logistics.enums import ItemKind, LocationKind, Outcome, WorkOrderStatus
from muster.logistics.locations import Location, find_location
from muster.logistics.quantities import parse_quantity, quantity_text
from muster.logistics.schemas import ItemCreate

stock_app = typer.Typer(
    help="Stock by location, custody of tracked units, CSV.", no_args_is_help=True
)
workorder_app = typer.Typer(help="Engineering work orders.", no_args_is_help=True)


def _where(session: Session, value: str) -> Location:
    kind, sep, ref = value.partition(":")
    if not sep:
        raise Invalid("give a place as kind:name, e.g. zone:Armory or post:'South airlock post'")
    try:
        return find_location(session, LocationKind(kind), ref)
    except ValueError:
        raise Invalid(f"unknown kind {kind!r}; use zone, post or person") from None


@stock_app.command("items")
def list_items_cmd(kind: ItemKind | None = typer.Option(None, help="Only this kind")) -> None:
    """List items. Example: muster stock items --kind weapon"""
    with cli_session(write=False) as session:
        rows, _ = items.list_items(session, kind=kind, limit=500)
        table = Table("name", "kind", "unit", "tracked", "reorder at", "total")
        for item in rows:
            total = stock.item_total(session, item.id)
            table.add_row(
                item.name,
                item.kind.value,
                item.unit,
                "yes" if item.tracked else "no",
                quantity_text(item.reorder_level),
                quantity_text(total),
            )
        console.print(table)


@stock_app.command("add-item")
def add_item_cmd(
    name: str,
    kind: ItemKind = typer.Option(..., help="weapon, material, equipment, ..."),
    unit: str = typer.Option("each", help="Unit of measure"),
    tracked: bool = typer.Option(False, help="Each unit has a serial number"),
    reorder_level: str = typer.Option("0", help="Alert at or below this total"),
) -> None:
    """Add an item. Example: muster stock add-item Rifle --kind weapon --tracked"""
    with cli_session() as session:
        data = ItemCreate(
            name=name,
            kind=kind,
            unit=unit,
            tracked=tracked,
            reorder_level=parse_quantity(reorder_level),
        )
        items.create_item(session, data=data, actor=cli_actor(session))
    console.print(f"Item {name} added.")


@stock_app.command("levels")
def levels_cmd(
    at: str | None = typer.Option(None, "--at", help="kind:name, e.g. zone:Armory"),
) -> None:
    """Stock by location. Example: muster stock levels --at zone:Armory"""
    with cli_session(write=False) as session:
        where = _where(session, at) if at else None
        rows, _ = stock.list_levels(session, location=where, limit=500)
        table = Table("item", "where", "quantity", "reserved", "unit")
        for row in rows:
            table.add_row(
                row.item,
                f"{row.location_kind.value}: {row.location}",
                quantity_text(row.quantity),
                quantity_text(row.reserved),
                row.unit,
            )
        console.print(table)


@stock_app.command("receive")
def receive_cmd(
    item: str,
    at: str = typer.Option(..., "--at", help="kind:name"),
    quantity: str | None = typer.Option(None, help="For untracked items"),
    serial: list[str] = typer.Option([], help="For tracked units; repeat"),
    note: str = "",
) -> None:
    """Receive stock. Example: muster stock receive Rifle --at zone:Armory --serial R-1"""
    with cli_session() as session:
        stock.authorize_move(cli_actor(session))  # before the item or the place is looked up
        found = items.find_item(session, item)
        stock.receive_stock(
            session,
            item_id=found.id,
            location=_where(session, at),
            quantity=parse_quantity(quantity) if quantity else None,
            serials=serial or None,
            note=note,
            actor=cli_actor(session),
        )
    console.print(f"Received {item}.")


@stock_app.command("transfer")
def transfer_cmd(
    item: str,
    source: str = typer.Option(..., "--from", help="kind:name"),
    dest: str = typer.Option(..., "--to", help="kind:name"),
    quantity: str | None = typer.Option(None),
    serial: list[str] = typer.Option([]),
    note: str = "",
) -> None:
    """Move stock. Example: muster stock transfer Sheet --from zone:Armory --to post:South"""
    with cli_session() as session:
        stock.authorize_move(cli_actor(session))  # before the item or the places are looked up
        found = items.find_item(session, item)
        stock.transfer_stock(
            session,
            item_id=found.id,
            source=_where(session, source),
            dest=_where(session, dest),
            quantity=parse_quantity(quantity) if quantity else None,
            serials=serial or None,
            note=note,
            actor=cli_actor(session),
        )
    console.print(f"Moved {item}.")


@stock_app.command("board")
def board_cmd(post: str) -> None:
    """What is out at a post. Example: muster stock board 'South airlock post'"""
    with cli_session(write=False) as session:
        where = find_location(session, LocationKind.POST, post)
        table = Table("item", "serial", "holder", "signed by", "since")
        for held in custody.custody_board(session, where.id):
            table.add_row(
                held.item.name,
                held.unit.serial,
                held.holder,
                held.signed_by,
                held.custody.out_at.isoformat(timespec="seconds"),
            )
        console.print(table)


@stock_app.command("chain")
def chain_cmd(item: str, serial: str) -> None:
    """A unit's chain of custody. Example: muster stock chain Rifle R-1"""
    with cli_session(write=False) as session:
        unit = items.find_unit(session, items.find_item(session, item), serial)
        table = Table("#", "holder", "out", "back")
        for link in custody.chain_of_custody(session, unit.id):
            back = link.back_at.isoformat(timespec="seconds") if link.back_at else "still out"
            if link.lost_at is not None:
                back = f"lost {link.lost_at.isoformat(timespec='seconds')}: {link.lost_reason}"
            table.add_row(
                str(link.position),
                f"{link.holder_kind.value} {link.holder_id[:8]}",
                link.out_at.isoformat(timespec="seconds"),
                back,
            )
        console.print(table)


@stock_app.command("lost")
def lost_cmd(
    item: str,
    serial: str,
    reason: str = typer.Option(..., help="How the unit was lost"),
    witness: str = typer.Option(..., help="Who witnessed it (name, badge or id)"),
) -> None:
    """Write off a unit lost while signed out. Example:
    muster stock lost Rifle RF-01 --reason 'Dropped in the collar' --witness Dominic"""
    with cli_session() as session:
        actor = cli_actor(session)
        losses.authorize_write_off(actor)  # before the unit or the witness is looked up
        unit = items.find_unit(session, items.find_item(session, item), serial)
        losses.write_off_lost(
            session,
            unit_id=unit.id,
            reason=reason,
            witness_person_id=witness,
            actor=actor,
        )
    console.print(f"{item} {serial} written off as lost, witnessed by {witness}.")


@stock_app.command("export")
def export_cmd(path: Path = typer.Argument(..., help="CSV file to write, or - for stdout")) -> None:
    """Export stock as CSV. Example: muster stock export stock.csv"""
    with cli_session(write=False) as session:
        text = export_stock_csv(session)
    if str(path) == "-":
        typer.echo(text, nl=False)
    else:
        path.write_text(text, encoding="utf-8")
        console.print(f"Stock written to {path}.")


@stock_app.command("import")
def import_cmd(path: Path) -> None:
    """Import a stock CSV as a stocktake, all rows or none. Example: muster stock import s.csv"""
    if not path.is_file():
        fail(f"no file at {path}")
    text = path.read_text(encoding="utf-8-sig")
    with cli_session() as session:
        report = import_stock_csv(session, text=text, actor=cli_actor(session))
    console.print(
        f"Imported: {len(report.items_created)} items created, {report.counts_set} counts set, "
        f"{report.units_added} units added, {report.unchanged} rows unchanged."
    )


@workorder_app.command("list")
def wo_list_cmd(status: WorkOrderStatus | None = typer.Option(None)) -> None:
    """List work orders. Example: muster workorder list --status open"""
    with cli_session(write=False) as session:
        rows, _ = workorders.list_work_orders(
            session, flt=workorders.WorkOrderFilter(status=status), limit=500
        )
        table = Table("id", "title", "status", "due")
        for row in rows:
            due = row.due_at.isoformat(timespec="minutes") if row.due_at else ""
            table.add_row(row.id[:8], row.title, row.status.value, due)
        console.print(table)


@workorder_app.command("test")
def wo_test_cmd(
    work_order_id: str,
    name: str = typer.Option(..., help="e.g. 'Blade strike'"),
    outcome: Outcome = typer.Option(...),
    notes: str = "",
) -> None:
    """Record a test. Example: muster workorder test <id> --name 'Blade strike' --outcome passed"""
    with cli_session() as session:
        workorders.record_test(
            session,
            work_order_id=work_order_id,
            name=name,
            outcome=outcome,
            notes=notes,
            actor=cli_actor(session),
        )
    console.print(f"Test {name}: {outcome.value}.")


@workorder_app.command("consume")
def wo_consume_cmd(material_id: str, quantity: str) -> None:
    """Use reserved material. Example: muster workorder consume <material-id> 2"""
    with cli_session() as session:
        workorders.consume_material(
            session,
            material_id=material_id,
            quantity=parse_quantity(quantity),
            actor=cli_actor(session),
        )
    console.print("Material consumed.")


@workorder_app.command("complete")
def wo_complete_cmd(work_order_id: str, note: str = "") -> None:
    """Finish a work order; what it made enters stock. Example: muster workorder complete <id>"""
    with cli_session() as session:
        row = workorders.complete_work_order(
            session, work_order_id=work_order_id, note=note, actor=cli_actor(session)
        )
        produced = quantity_text(row.product_quantity or Decimal(0))
    console.print(f"Work order done; {produced} made.")
