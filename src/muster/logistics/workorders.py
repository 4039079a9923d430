"""Engineering work orders: materials reserved then consumed, steps, tests, finished stock.

A work order reserves its materials when it is made, so no one else can take them; using
them consumes from the reservation. It names, when written, the tests its product must
pass (a shield: "Blade strike"). It can be finished only when every step is done, every
required test has a result and the latest result of every test is a pass; what it made
then enters stock.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster import clock
from muster.errors import Conflict, Invalid, NotFound
from muster.events.service import append_event
from muster.logistics import ledger
from muster.logistics.enums import MovementReason, Outcome, WorkOrderKind, WorkOrderStatus
from muster.logistics.items import get_item, get_unit
from muster.logistics.locations import Location, check_location
from muster.logistics.quantities import ZERO, check_quantity, quantity_text
from muster.logistics.stock import put_in_stock
from muster.logistics.workorder_models import (
    WorkOrder,
    WorkOrderMaterial,
    WorkOrderStep,
    WorkOrderTest,
)
from muster.logistics.workorder_schemas import WorkOrderCreate
from muster.people.models import Person
from muster.policy.actor import Actor
from muster.policy.authorize import authorize

CLOSED = (WorkOrderStatus.DONE, WorkOrderStatus.CANCELLED)
MANAGE = "logistics.workorder.manage"
WORK = "logistics.workorder.work"


def get_work_order(session: Session, work_order_id: str) -> WorkOrder:
    """The work order with this id."""
    row = session.get(WorkOrder, work_order_id)
    if row is None:
        raise NotFound(f"no work order with id {work_order_id!r}")
    return row


def _open(session: Session, work_order_id: str) -> WorkOrder:
    row = get_work_order(session, work_order_id)
    if row.status in CLOSED:
        raise Conflict(f"work order {row.title!r} is {row.status.value}; nothing more can change")
    return row


def materials_of(session: Session, work_order_id: str) -> list[WorkOrderMaterial]:
    """A work order's materials."""
    query = select(WorkOrderMaterial).where(WorkOrderMaterial.work_order_id == work_order_id)
    return list(session.scalars(query.order_by(WorkOrderMaterial.id)).all())


def steps_of(session: Session, work_order_id: str) -> list[WorkOrderStep]:
    """A work order's steps in order."""
    query = select(WorkOrderStep).where(WorkOrderStep.work_order_id == work_order_id)
    return list(session.scalars(query.order_by(WorkOrderStep.position)).all())


def tests_of(session: Session, work_order_id: str) -> list[WorkOrderTest]:
    """A work order's tests, oldest first."""
    query = select(WorkOrderTest).where(WorkOrderTest.work_order_id == work_order_id)
    return list(session.scalars(query.order_by(WorkOrderTest.tested_at, WorkOrderTest.id)).all())


def _check_create(session: Session, data: WorkOrderCreate) -> None:
    if data.assignee_person_id is not None and session.get(Person, data.assignee_person_id) is None:
        raise NotFound(f"no person with id {data.assignee_person_id!r} to assign the work to")
    if data.kind is WorkOrderKind.MAKE and data.repair_unit_id is not None:
        raise Invalid("a make order names a product, not a unit to repair")
    if data.kind is WorkOrderKind.REPAIR and data.repair_unit_id is None:
        raise Invalid("a repair order names the unit to repair (repair_unit_id)")
    if data.repair_unit_id is not None:
        get_unit(session, data.repair_unit_id)
    if (data.product_item_id is None) != (data.product_quantity is None):
        raise Invalid("give the product and its quantity together")
    if data.product_item_id is not None:
        if data.output is None:
            raise Invalid("say where the finished items go (output: a zone, post or person)")
        product = get_item(session, data.product_item_id)
        check_quantity(product, data.product_quantity or ZERO)
    if data.output is not None:
        check_location(session, Location(data.output.kind, data.output.id))
    names = [name.strip() for name in data.required_tests]
    if any(not name for name in names) or len({n.casefold() for n in names}) != len(names):
        raise Invalid("name each required test once (e.g. 'Blade strike'), none of them blank")


def create_work_order(session: Session, *, data: WorkOrderCreate, actor: Actor) -> WorkOrder:
    """Open a work order and reserve its materials."""
    authorize(actor, MANAGE)
    _check_create(session, data)
    at = clock.now()
    row = WorkOrder(
        title=data.title,
        kind=data.kind,
        status=WorkOrderStatus.OPEN,
        description=data.description,
        assignee_person_id=data.assignee_person_id,
        due_at=data.due_at,
        product_item_id=data.product_item_id,
        product_quantity=data.product_quantity or ZERO,
        repair_unit_id=data.repair_unit_id,
        output_kind=data.output.kind if data.output else None,
        output_id=data.output.id if data.output else None,
        created_by=actor.label,
        created_at=at,
        updated_at=at,
        notes=data.notes,
        required_tests=[name.strip() for name in data.required_tests],
    )
    session.add(row)
    session.flush()
    for material in data.materials:
        item = get_item(session, material.item_id)
        if item.tracked:
            raise Invalid(f"{item.name} is tracked by serial; sign units out instead of reserving")
        check_quantity(item, material.quantity)
        where = check_location(session, Location(material.location.kind, material.location.id))
        ledger.reserve(session, item, where, material.quantity)
        session.add(
            WorkOrderMaterial(
                work_order_id=row.id,
                item_id=item.id,
                location_kind=where.kind,
                location_id=where.id,
                reserved=material.quantity,
                consumed=ZERO,
            )
        )
    session.add_all(
        WorkOrderStep(work_order_id=row.id, position=n, text=text)
        for n, text in enumerate(data.steps, start=1)
    )
    session.flush()
    append_event(
        session,
        kind="logistics.workorder.created",
        actor=actor,
        subjects=[row.id, data.assignee_person_id or "", data.product_item_id or ""]
        + [m.item_id for m in data.materials],
        payload=data.model_dump(),
    )
    return row


def _touch(session: Session, row: WorkOrder, kind: str, actor: Actor, **payload: object) -> None:
    row.updated_at = clock.now()
    if row.status is WorkOrderStatus.OPEN:
        row.status = WorkOrderStatus.IN_PROGRESS
        row.started_at = row.updated_at
    append_event(
        session,
        kind=kind,
        actor=actor,
        subjects=[row.id, row.assignee_person_id or ""],
        payload={"work_order": row.title, **payload},
    )


def complete_step(session: Session, *, step_id: str, actor: Actor) -> WorkOrderStep:
    """Mark a step done."""
    authorize(actor, WORK)
    step = session.get(WorkOrderStep, step_id)
    if step is None:
        raise NotFound(f"no work order step with id {step_id!r}")
    row = _open(session, step.work_order_id)
    if step.done_at is not None:
        raise Conflict(f"step {step.position} is already done")
    step.done_at = clock.now()
    step.done_by = actor.label
    _touch(session, row, "logistics.workorder.step_done", actor, step=step.position, text=step.text)
    return step


def consume_material(
    session: Session, *, material_id: str, quantity: Decimal, note: str = "", actor: Actor
) -> WorkOrderMaterial:
    """Use some of a reserved material: it leaves stock, out of the reservation."""
    authorize(actor, WORK)
    material = session.get(WorkOrderMaterial, material_id)
    if material is None:
        raise NotFound(f"no work order material with id {material_id!r}")
    row = _open(session, material.work_order_id)
    item = get_item(session, material.item_id)
    check_quantity(item, quantity)
    if quantity > material.reserved:
        raise Conflict(
            f"only {quantity_text(material.reserved)} {item.unit} of {item.name} remain reserved "
            "for this work order; reserve more before using more"
        )
    where = Location(material.location_kind, material.location_id)
    movement = ledger.move(
        session,
        item=item,
        quantity=quantity,
        source=where,
        dest=None,
        reason=MovementReason.CONSUMED,
        actor=actor,
        reference_id=row.id,
        note=note,
        reserved=quantity,
    )
    material.reserved -= quantity
    material.consumed += quantity
    _touch(
        session,
        row,
        "logistics.workorder.material_consumed",
        actor,
        item=item.name,
        item_id=item.id,
        quantity=quantity,
        movement_id=movement.id,
    )
    return material


def record_test(
    session: Session,
    *,
    work_order_id: str,
    name: str,
    outcome: Outcome,
    notes: str = "",
    actor: Actor,
) -> WorkOrderTest:
    """Record a test of the product: a shield against a blade, passed or failed."""
    authorize(actor, WORK)
    row = _open(session, work_order_id)
    test = WorkOrderTest(
        work_order_id=row.id,
        name=name,
        outcome=outcome,
        notes=notes,
        tested_at=clock.now(),
        tested_by=actor.label,
    )
    session.add(test)
    session.flush()
    _touch(
        session,
        row,
        "logistics.workorder.tested",
        actor,
        test_id=test.id,
        test=name,
        outcome=outcome,
        notes=notes,
    )
    return test


def _release_all(session: Session, row: WorkOrder) -> dict[str, Decimal]:
    released: dict[str, Decimal] = {}
    for material in materials_of(session, row.id):
        if material.reserved > 0:
            item = get_item(session, material.item_id)
            where = Location(material.location_kind, material.location_id)
            ledger.release(session, item, where, material.reserved)
            released[item.name] = released.get(item.name, ZERO) + material.reserved
            material.reserved = ZERO
    return released


def _check_finishable(session: Session, row: WorkOrder) -> None:
    undone = [s.position for s in steps_of(session, row.id) if s.done_at is None]
    if undone:
        raise Conflict(f"steps {', '.join(map(str, undone))} are not done yet")
    latest: dict[str, WorkOrderTest] = {}
    for test in tests_of(session, row.id):
        latest[test.name.casefold()] = test
    untested = [n for n in row.required_tests if n.casefold() not in latest]
    if untested:
        raise Conflict(
            f"the product must pass {', '.join(untested)} before the work order is finished; "
            "no result is recorded yet: test it and record the result"
        )
    failed = sorted(t.name for t in latest.values() if t.outcome is Outcome.FAILED)
    if failed:
        raise Conflict(
            f"the latest result of {', '.join(failed)} is a failure; fix and test again first"
        )


def complete_work_order(
    session: Session,
    *,
    work_order_id: str,
    serials: list[str] | None = None,
    note: str = "",
    actor: Actor,
) -> WorkOrder:
    """Finish the work: what was made enters stock; reservations left over are released."""
    authorize(actor, WORK)
    row = _open(session, work_order_id)
    _check_finishable(session, row)
    produced: list[str] = []
    if row.product_item_id is not None and row.output_kind and row.output_id:
        product = get_item(session, row.product_item_id)
        output = Location(row.output_kind, row.output_id)
        if product.tracked:
            count = int(row.product_quantity)
            serials = serials or [f"WO-{row.id[:8]}-{n:03d}" for n in range(1, count + 1)]
            if len(serials) != count:
                given = len(serials)
                raise Invalid(f"give {count} serials for the {product.name} made, not {given}")
            put_in_stock(
                session,
                item_id=product.id,
                location=output,
                serials=serials,
                reason=MovementReason.PRODUCED,
                reference_id=row.id,
                actor=actor,
            )
            produced = serials
        else:
            put_in_stock(
                session,
                item_id=product.id,
                location=output,
                quantity=row.product_quantity,
                reason=MovementReason.PRODUCED,
                reference_id=row.id,
                actor=actor,
            )
    released = _release_all(session, row)
    row.status = WorkOrderStatus.DONE
    row.finished_at = clock.now()
    row.updated_at = row.finished_at
    append_event(
        session,
        kind="logistics.workorder.completed",
        actor=actor,
        subjects=[row.id, row.assignee_person_id or "", row.product_item_id or ""],
        payload={
            "work_order": row.title,
            "produced": row.product_quantity,
            "serials": produced,
            "released": released,
            "note": note,
        },
    )
    return row


def cancel_work_order(
    session: Session, *, work_order_id: str, note: str, actor: Actor
) -> WorkOrder:
    """Stop a work order; its remaining reservations go back to free stock."""
    authorize(actor, MANAGE)
    if not note.strip():
        raise Invalid("say why the work order is cancelled (a note)")
    row = _open(session, work_order_id)
    released = _release_all(session, row)
    row.status = WorkOrderStatus.CANCELLED
    row.finished_at = clock.now()
    row.updated_at = row.finished_at
    append_event(
        session,
        kind="logistics.workorder.cancelled",
        actor=actor,
        subjects=[row.id, row.assignee_person_id or ""],
        payload={"work_order": row.title, "released": released, "note": note},
    )
    return row


@dataclass(frozen=True)
class WorkOrderFilter:
    """Which work orders to list."""

    status: WorkOrderStatus | None = None
    assignee_person_id: str | None = None


def list_work_orders(
    session: Session, *, flt: WorkOrderFilter, limit: int = 50, offset: int = 0
) -> tuple[list[WorkOrder], int]:
    """Work orders, soonest due first."""
    query = select(WorkOrder)
    if flt.status is not None:
        query = query.where(WorkOrder.status == flt.status)
    if flt.assignee_person_id is not None:
        query = query.where(WorkOrder.assignee_person_id == flt.assignee_person_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order = (WorkOrder.due_at, WorkOrder.created_at, WorkOrder.id)
    rows = session.scalars(query.order_by(*order).limit(limit).offset(offset)).all()
    return list(rows), total
