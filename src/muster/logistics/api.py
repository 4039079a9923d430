"""Logistics over HTTP: items, stock, custody (this module); requests and work orders."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from muster.errors import Invalid
from muster.logistics import custody, items, losses, stock
from muster.logistics.api_work import router as work_router
from muster.logistics.csvio import export_stock_csv, import_stock_csv
from muster.logistics.enums import ItemKind
from muster.logistics.locations import Location, parse_location
from muster.logistics.schemas import (
    CustodyRead,
    ItemCreate,
    ItemRead,
    ItemUpdate,
    LevelRead,
    LocationRef,
    LostIn,
    MovementRead,
    ReorderRead,
    SignBack,
    SignOut,
    StockAdjust,
    StockConsume,
    StockReceive,
    StockTransfer,
    UnitRead,
)
from muster.policy.authorize import authorize
from muster.schemas import Page
from muster.web.deps import CurrentActor, PageDep, SessionDep

router = APIRouter(prefix="/api/v1", tags=["logistics"])
READ = "logistics.read"
LocationQuery = Annotated[str | None, Query(max_length=60, description="kind:id, e.g. post:<id>")]
MAX_CSV_BYTES = 900_000


def _at(ref: LocationRef) -> Location:
    return Location(ref.kind, ref.id)


@router.get("/items")
def read_items(
    session: SessionDep, actor: CurrentActor, page: PageDep, kind: ItemKind | None = None
) -> Page[ItemRead]:
    """Items by name."""
    authorize(actor, READ)
    rows, total = items.list_items(session, kind=kind, limit=page.limit, offset=page.offset)
    return Page(
        items=[ItemRead.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post("/items", status_code=status.HTTP_201_CREATED)
def create_item(body: ItemCreate, session: SessionDep, actor: CurrentActor) -> ItemRead:
    """Add an item to the catalogue."""
    return ItemRead.model_validate(items.create_item(session, data=body, actor=actor))


@router.get("/items/{item_id}")
def read_item(item_id: str, session: SessionDep, actor: CurrentActor) -> ItemRead:
    """One item."""
    authorize(actor, READ)
    return ItemRead.model_validate(items.get_item(session, item_id))


@router.patch("/items/{item_id}")
def update_item(
    item_id: str, body: ItemUpdate, session: SessionDep, actor: CurrentActor
) -> ItemRead:
    """Change the given fields of an item."""
    return ItemRead.model_validate(
        items.update_item(session, item_id=item_id, data=body, actor=actor)
    )


@router.get("/items/{item_id}/units")
def read_units(item_id: str, session: SessionDep, actor: CurrentActor) -> list[UnitRead]:
    """The tracked units of an item."""
    authorize(actor, READ)
    items.get_item(session, item_id)
    return [UnitRead.model_validate(u) for u in items.list_units(session, item_id=item_id)]


@router.get("/stock")
def read_stock(
    session: SessionDep,
    actor: CurrentActor,
    page: PageDep,
    location: LocationQuery = None,
    item_id: Annotated[str | None, Query(max_length=36)] = None,
) -> Page[LevelRead]:
    """Stock by location and item."""
    authorize(actor, READ)
    where = parse_location(location) if location else None
    rows, total = stock.list_levels(
        session, location=where, item_id=item_id, limit=page.limit, offset=page.offset
    )
    return Page(
        items=[LevelRead.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/stock/reorder")
def read_reorder(session: SessionDep, actor: CurrentActor) -> list[ReorderRead]:
    """Items at or below their reorder level, with their station-wide totals."""
    authorize(actor, READ)
    return [
        ReorderRead(item_id=i.id, item=i.name, unit=i.unit, total=t, reorder_level=i.reorder_level)
        for i, t in stock.items_below_reorder(session)
    ]


@router.get("/stock/movements")
def read_movements(
    session: SessionDep,
    actor: CurrentActor,
    page: PageDep,
    item_id: Annotated[str | None, Query(max_length=36)] = None,
    unit_id: Annotated[str | None, Query(max_length=36)] = None,
    reference_id: Annotated[str | None, Query(max_length=36)] = None,
) -> Page[MovementRead]:
    """The stock ledger, oldest first."""
    authorize(actor, READ)
    rows, total = stock.list_movements(
        session,
        item_id=item_id,
        unit_id=unit_id,
        reference_id=reference_id,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(
        items=[MovementRead.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post("/stock/receive", status_code=status.HTTP_201_CREATED)
def receive(body: StockReceive, session: SessionDep, actor: CurrentActor) -> list[MovementRead]:
    """Stock arriving at a location."""
    rows = stock.receive_stock(
        session,
        item_id=body.item_id,
        location=_at(body.location),
        quantity=body.quantity,
        serials=body.serials,
        note=body.note,
        actor=actor,
    )
    return [MovementRead.model_validate(r) for r in rows]


@router.post("/stock/transfer")
def transfer(body: StockTransfer, session: SessionDep, actor: CurrentActor) -> list[MovementRead]:
    """Stock moved between locations."""
    rows = stock.transfer_stock(
        session,
        item_id=body.item_id,
        source=_at(body.source),
        dest=_at(body.dest),
        quantity=body.quantity,
        serials=body.serials,
        note=body.note,
        actor=actor,
    )
    return [MovementRead.model_validate(r) for r in rows]


@router.post("/stock/consume")
def consume(body: StockConsume, session: SessionDep, actor: CurrentActor) -> list[MovementRead]:
    """Stock used up or lost."""
    rows = stock.consume_stock(
        session,
        item_id=body.item_id,
        location=_at(body.location),
        quantity=body.quantity,
        serials=body.serials,
        note=body.note,
        actor=actor,
    )
    return [MovementRead.model_validate(r) for r in rows]


@router.post("/stock/adjust")
def adjust(body: StockAdjust, session: SessionDep, actor: CurrentActor) -> list[MovementRead]:
    """Set a count after a stocktake (empty when the count was already right)."""
    row = stock.adjust_stock(
        session,
        item_id=body.item_id,
        location=_at(body.location),
        quantity=body.quantity,
        note=body.note,
        actor=actor,
    )
    return [MovementRead.model_validate(row)] if row else []


@router.get(
    "/stock/export.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}}
)
def export_csv(session: SessionDep, actor: CurrentActor) -> Response:
    """Every item and its stock by location, as CSV."""
    authorize(actor, READ)
    return Response(export_stock_csv(session), media_type="text/csv; charset=utf-8")


@router.post("/stock/import")
async def import_csv(
    request: Request, session: SessionDep, actor: CurrentActor
) -> dict[str, object]:
    """Apply a stock CSV (the export's columns) as a stocktake: all rows or none."""
    body = await request.body()
    if len(body) > MAX_CSV_BYTES:
        raise Invalid(f"the CSV is larger than {MAX_CSV_BYTES} bytes; split it")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("the CSV is not UTF-8 text") from None
    report = import_stock_csv(session, text=text, actor=actor)
    return {
        "items_created": report.items_created,
        "counts_set": report.counts_set,
        "units_added": report.units_added,
        "unchanged": report.unchanged,
    }


@router.post("/custody/sign-out", status_code=status.HTTP_201_CREATED)
def sign_out(body: SignOut, session: SessionDep, actor: CurrentActor) -> CustodyRead:
    """Sign a unit out to a person or a post (the policy decides who may hold weapons)."""
    row = custody.sign_out_unit(
        session,
        unit_id=body.unit_id,
        holder_kind=body.holder_kind,
        holder_id=body.holder_id,
        signed_by_person_id=body.signed_by_person_id,
        note=body.note,
        actor=actor,
    )
    return CustodyRead.model_validate(row)


@router.post("/custody/sign-back")
def sign_back(body: SignBack, session: SessionDep, actor: CurrentActor) -> CustodyRead:
    """Sign a unit back in."""
    row = custody.sign_back_unit(
        session,
        unit_id=body.unit_id,
        to=_at(body.to) if body.to else None,
        note=body.note,
        actor=actor,
    )
    return CustodyRead.model_validate(row)


@router.post("/custody/lost")
def write_off_lost(body: LostIn, session: SessionDep, actor: CurrentActor) -> CustodyRead:
    """Write off a unit lost while signed out, with how and a witness (no return is made)."""
    row = losses.write_off_lost(
        session,
        unit_id=body.unit_id,
        reason=body.reason,
        witness_person_id=body.witness_person_id,
        actor=actor,
    )
    return CustodyRead.model_validate(row)


@router.get("/custody/units/{unit_id}")
def read_chain(unit_id: str, session: SessionDep, actor: CurrentActor) -> list[CustodyRead]:
    """A unit's chain of custody, first signature to last."""
    authorize(actor, READ)
    return [CustodyRead.model_validate(c) for c in custody.chain_of_custody(session, unit_id)]


@router.get("/custody/posts/{post_id}")
def read_board(post_id: str, session: SessionDep, actor: CurrentActor) -> list[dict[str, object]]:
    """What is out at a post: held by the post or by its people."""
    authorize(actor, READ)
    return [
        {
            "custody": CustodyRead.model_validate(h.custody).model_dump(mode="json"),
            "item": h.item.name,
            "kind": h.item.kind.value,
            "serial": h.unit.serial,
            "holder": h.holder,
            "signed_by": h.signed_by,
        }
        for h in custody.custody_board(session, post_id)
    ]


router.include_router(work_router)
