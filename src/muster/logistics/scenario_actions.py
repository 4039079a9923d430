"""Exercise actions and checks for logistics: stock, deliveries to posts, work orders.

Places, items, requests and work orders are named as the scenario file names them.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.errors import NotFound
from muster.logistics import custody, deliveries, requests, stock, workorders
from muster.logistics.enums import (
    DeliveryStatus,
    ItemKind,
    LocationKind,
    Outcome,
    Priority,
    WorkOrderStatus,
)
from muster.logistics.items import create_item, find_item
from muster.logistics.locations import Location, find_location, location_name
from muster.logistics.models import Item
from muster.logistics.request_models import Delivery, SupplyRequest
from muster.logistics.request_schemas import RequestCreate
from muster.logistics.schemas import ItemCreate
from muster.logistics.workorder_models import WorkOrder
from muster.logistics.workorder_schemas import WorkOrderCreate
from muster.people.service import find_person
from muster.scenario.actions import ActionArgs, ActionContext, register_action
from muster.scenario.checks import CheckArgs, CheckContext, CheckResult, CountBounds, register_check


def _place(session: Session, kind: LocationKind, name: str) -> dict[str, str]:
    where = find_location(session, kind, name)
    return {"kind": where.kind.value, "id": where.id}


def _request(session: Session, title: str) -> SupplyRequest:
    query = select(SupplyRequest).where(SupplyRequest.title == title)
    found = session.scalar(query.order_by(SupplyRequest.created_at.desc()))
    if found is None:
        raise NotFound(f"no supply request titled {title!r}")
    return found


def _work_order(session: Session, title: str) -> WorkOrder:
    query = select(WorkOrder).where(WorkOrder.title == title)
    found = session.scalar(query.order_by(WorkOrder.created_at.desc()))
    if found is None:
        raise NotFound(f"no work order titled {title!r}")
    return found


def _delivery_to(session: Session, request: SupplyRequest, post: str) -> Delivery:
    where = find_location(session, LocationKind.POST, post)
    for delivery in requests.request_deliveries(session, request.id):
        if delivery.dest_id == where.id:
            return delivery
    raise NotFound(f"request {request.title!r} has no delivery to {post}")


class StockArgs(ActionArgs):
    """Stock at a zone: an item (made if new), and a quantity or the serials of its units."""

    item: str
    kind: ItemKind
    zone: str
    unit: str = "each"
    quantity: Decimal | None = Field(default=None, gt=0)
    serials: list[str] | None = None
    note: str = ""


@register_action("logistics.stock")
def receive(ctx: ActionContext, args: StockArgs) -> str:
    """Record stock held at a zone, making the item if the catalogue lacks it."""
    try:
        item = find_item(ctx.session, args.item)
    except NotFound:
        data = ItemCreate(
            name=args.item, kind=args.kind, unit=args.unit, tracked=args.serials is not None
        )
        item = create_item(ctx.session, data=data, actor=ctx.actor)
    where = find_location(ctx.session, LocationKind.ZONE, args.zone)
    stock.receive_stock(
        ctx.session,
        item_id=item.id,
        location=where,
        quantity=args.quantity,
        serials=args.serials,
        note=args.note,
        actor=ctx.actor,
    )
    count = len(args.serials) if args.serials else args.quantity
    return f"{count} {item.unit} of {item.name} at {args.zone}"


class LineArgs(ActionArgs):
    """So much of an item to a post."""

    item: str
    quantity: Decimal = Field(gt=0)
    post: str


class RequestArgs(ActionArgs):
    """A supply request from a zone to posts, due within some minutes."""

    title: str
    zone: str
    lines: list[LineArgs] = Field(min_length=1)
    priority: Priority = Priority.ROUTINE
    due_in_minutes: int | None = Field(default=None, ge=1)


@register_action("logistics.request")
def make_request(ctx: ActionContext, args: RequestArgs) -> str:
    """Ask for stock to be brought to posts."""
    due = ctx.at + timedelta(minutes=args.due_in_minutes) if args.due_in_minutes else None
    data = RequestCreate.model_validate(
        {
            "title": args.title,
            "priority": args.priority,
            "needed_by": due,
            "source": _place(ctx.session, LocationKind.ZONE, args.zone),
            "lines": [
                {
                    "item_id": find_item(ctx.session, line.item).id,
                    "quantity": line.quantity,
                    "dest": _place(ctx.session, LocationKind.POST, line.post),
                }
                for line in args.lines
            ],
        }
    )
    row = requests.create_request(ctx.session, data=data, actor=ctx.actor)
    return f"request {row.title!r} ({row.priority.value})"


class RequestRef(ActionArgs):
    """A request by title."""

    request: str
    note: str = ""


@register_action("logistics.request.approve")
def approve(ctx: ActionContext, args: RequestRef) -> str:
    """Approve a request; a delivery opens for each post."""
    row = requests.approve_request(
        ctx.session,
        request_id=_request(ctx.session, args.request).id,
        note=args.note,
        actor=ctx.actor,
    )
    count = len(requests.request_deliveries(ctx.session, row.id))
    return f"request {row.title!r} approved: {count} deliveries"


class DeliveryArgs(ActionArgs):
    """The delivery of a request to a post; ``signed_by`` is who signs there."""

    request: str
    post: str
    signed_by: str | None = None
    note: str = ""


@register_action("logistics.delivery.pick")
def pick(ctx: ActionContext, args: DeliveryArgs) -> str:
    """Pick the delivery to a post at the source."""
    delivery = _delivery_to(ctx.session, _request(ctx.session, args.request), args.post)
    deliveries.pick_delivery(ctx.session, delivery_id=delivery.id, actor=ctx.actor)
    return f"picked for {args.post}"


@register_action("logistics.delivery.confirm")
def confirm(ctx: ActionContext, args: DeliveryArgs) -> str:
    """The post signs for its delivery (the actor's person, or ``signed_by``)."""
    delivery = _delivery_to(ctx.session, _request(ctx.session, args.request), args.post)
    signer = find_person(ctx.session, args.signed_by).id if args.signed_by else None
    deliveries.confirm_delivery(
        ctx.session,
        delivery_id=delivery.id,
        signed_by_person_id=signer,
        note=args.note,
        actor=ctx.actor,
    )
    return f"signed for at {args.post}"


class MaterialArgs(ActionArgs):
    """A material reserved from a zone."""

    item: str
    quantity: Decimal = Field(gt=0)
    zone: str


class WorkOrderArgs(ActionArgs):
    """A work order to make a product from materials, by an assignee, in steps."""

    title: str
    assignee: str
    product: str
    product_kind: ItemKind = ItemKind.EQUIPMENT
    quantity: Decimal = Field(gt=0)
    output_zone: str
    materials: list[MaterialArgs] = Field(default_factory=list)
    steps: list[str] = Field(default_factory=list)
    tests: list[str] = Field(default_factory=list)  # the product must pass these to finish
    due_in_minutes: int | None = Field(default=None, ge=1)
    description: str = ""


@register_action("logistics.workorder")
def open_work_order(ctx: ActionContext, args: WorkOrderArgs) -> str:
    """Open a work order; its materials are reserved."""
    try:
        product: Item = find_item(ctx.session, args.product)
    except NotFound:
        new = ItemCreate(name=args.product, kind=args.product_kind)
        product = create_item(ctx.session, data=new, actor=ctx.actor)
    due = ctx.at + timedelta(minutes=args.due_in_minutes) if args.due_in_minutes else None
    data = WorkOrderCreate.model_validate(
        {
            "title": args.title,
            "description": args.description,
            "due_at": due,
            "assignee_person_id": find_person(ctx.session, args.assignee).id,
            "product_item_id": product.id,
            "product_quantity": args.quantity,
            "output": _place(ctx.session, LocationKind.ZONE, args.output_zone),
            "steps": args.steps,
            "required_tests": args.tests,
            "materials": [
                {
                    "item_id": find_item(ctx.session, m.item).id,
                    "quantity": m.quantity,
                    "location": _place(ctx.session, LocationKind.ZONE, m.zone),
                }
                for m in args.materials
            ],
        }
    )
    row = workorders.create_work_order(ctx.session, data=data, actor=ctx.actor)
    return f"work order {row.title!r} for {args.assignee}"


class WorkArgs(ActionArgs):
    """Work done on an order: materials used and steps finished."""

    work_order: str
    consume: dict[str, Decimal] = Field(default_factory=dict)
    steps_done: bool = True


@register_action("logistics.workorder.work")
def do_work(ctx: ActionContext, args: WorkArgs) -> str:
    """Use materials (by item name) and mark the steps done."""
    row = _work_order(ctx.session, args.work_order)
    materials = {
        find_item(ctx.session, m.item_id).name: m
        for m in workorders.materials_of(ctx.session, row.id)
    }
    for name, quantity in args.consume.items():
        if name not in materials:
            raise NotFound(f"{name} is not a material of {row.title!r}")
        workorders.consume_material(
            ctx.session, material_id=materials[name].id, quantity=quantity, actor=ctx.actor
        )
    if args.steps_done:
        for step in workorders.steps_of(ctx.session, row.id):
            if step.done_at is None:
                workorders.complete_step(ctx.session, step_id=step.id, actor=ctx.actor)
    return f"{row.title!r}: {len(args.consume)} material(s) used"


class ProductTestArgs(ActionArgs):
    """A test of a work order's product."""

    work_order: str
    name: str
    outcome: Outcome
    notes: str = ""


@register_action("logistics.workorder.test")
def record_product_test(ctx: ActionContext, args: ProductTestArgs) -> str:
    """Record a test and its outcome."""
    row = _work_order(ctx.session, args.work_order)
    workorders.record_test(
        ctx.session,
        work_order_id=row.id,
        name=args.name,
        outcome=args.outcome,
        notes=args.notes,
        actor=ctx.actor,
    )
    return f"{args.name}: {args.outcome.value}"


class FinishArgs(ActionArgs):
    """A work order to finish."""

    work_order: str
    note: str = ""


@register_action("logistics.workorder.complete")
def finish(ctx: ActionContext, args: FinishArgs) -> str:
    """Finish a work order; what it made enters stock."""
    row = _work_order(ctx.session, args.work_order)
    workorders.complete_work_order(
        ctx.session, work_order_id=row.id, note=args.note, actor=ctx.actor
    )
    return f"{row.title!r} done"


class DeliveredArgs(CheckArgs):
    """Every delivery of a request is signed for."""

    request: str


@register_check("logistics.request.delivered")
def request_delivered(ctx: CheckContext, args: DeliveredArgs) -> CheckResult:
    """Held when every delivery of the request is confirmed; says who signed where."""
    row = _request(ctx.session, args.request)
    found = requests.request_deliveries(ctx.session, row.id)
    signed = []
    for delivery in found:
        post = location_name(ctx.session, Location(delivery.dest_kind, delivery.dest_id))
        signer = (
            find_person(ctx.session, delivery.signed_by_person_id).name
            if delivery.signed_by_person_id
            else "nobody"
        )
        signed.append(f"{post} {delivery.status.value}, signed by {signer}")
    held = bool(found) and all(d.status is DeliveryStatus.CONFIRMED for d in found)
    return CheckResult(held, f"{len(found)} deliveries: " + "; ".join(signed))


class AtPostArgs(CountBounds):
    """How many units of an item are signed out at a post."""

    post: str
    item: str


@register_check("logistics.custody.at_post")
def units_at_post(ctx: CheckContext, args: AtPostArgs) -> CheckResult:
    """Count the units of an item on a post's custody board."""
    post = find_location(ctx.session, LocationKind.POST, args.post)
    board = custody.custody_board(ctx.session, post.id)
    count = sum(1 for held in board if held.item.name == args.item)
    return args.judge(count, f"{args.item} signed for at {args.post}")


class WorkOrderDoneArgs(CheckArgs):
    """A work order is done, with its tests passed."""

    work_order: str


@register_check("logistics.workorder.done")
def work_order_done(ctx: CheckContext, args: WorkOrderDoneArgs) -> CheckResult:
    """Held when the work order is done; lists its tests."""
    row = _work_order(ctx.session, args.work_order)
    tests = [f"{t.name}: {t.outcome.value}" for t in workorders.tests_of(ctx.session, row.id)]
    held = row.status is WorkOrderStatus.DONE
    return CheckResult(held, f"{row.title!r} is {row.status.value}; tests: {', '.join(tests)}")


class StockArgsCheck(CountBounds):
    """How many whole units of an item are in stock at a zone."""

    item: str
    zone: str


@register_check("logistics.stock.at")
def stock_at(ctx: CheckContext, args: StockArgsCheck) -> CheckResult:
    """Count an item's stock at a zone."""
    item = find_item(ctx.session, args.item)
    where: Location = find_location(ctx.session, LocationKind.ZONE, args.zone)
    views, _ = stock.list_levels(ctx.session, location=where, item_id=item.id)
    total = sum((v.quantity for v in views), Decimal(0))
    return args.judge(int(total), f"{item.unit} of {item.name} at {args.zone}")
