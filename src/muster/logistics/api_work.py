"""Requests, deliveries and work orders over HTTP (mounted under /api/v1 by ``api``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, UploadFile, status
from sqlalchemy.orm import Session

from muster.logistics import deliveries, photos, requests, workorders
from muster.logistics.enums import DeliveryStatus, RequestStatus, WorkOrderStatus
from muster.logistics.locations import parse_location
from muster.logistics.request_models import SupplyRequest
from muster.logistics.request_schemas import (
    ConfirmIn,
    Decision,
    DeliveryRead,
    PickIn,
    RequestCreate,
    RequestLineRead,
    RequestRead,
)
from muster.logistics.workorder_models import WorkOrder
from muster.logistics.workorder_schemas import (
    CompleteIn,
    ConsumeIn,
    MaterialRead,
    PhotoRead,
    StepRead,
    WorkOrderCreate,
    WorkOrderRead,
    WorkTestIn,
    WorkTestRead,
)
from muster.policy.authorize import authorize
from muster.schemas import Page
from muster.web.deps import CurrentActor, PageDep, SessionDep

router = APIRouter()
READ = "logistics.read"
Id = Annotated[str | None, Query(max_length=36)]


def request_read(session: Session, row: SupplyRequest) -> RequestRead:
    """A request with its lines, deliveries and current priority."""
    values: dict[str, Any] = {}
    for name in RequestRead.model_fields:
        if hasattr(row, name):
            values[name] = getattr(row, name)
    values["effective_priority"] = requests.effective_priority(session, row)
    values["lines"] = [
        RequestLineRead.model_validate(x) for x in requests.request_lines(session, row.id)
    ]
    values["deliveries"] = [
        DeliveryRead.model_validate(d) for d in requests.request_deliveries(session, row.id)
    ]
    return RequestRead.model_validate(values)


def work_order_read(session: Session, row: WorkOrder) -> WorkOrderRead:
    """A work order with its materials, steps, tests and photo records."""
    values: dict[str, Any] = {}
    for name in WorkOrderRead.model_fields:
        if hasattr(row, name):
            values[name] = getattr(row, name)
    values["materials"] = [
        MaterialRead.model_validate(m) for m in workorders.materials_of(session, row.id)
    ]
    values["steps"] = [StepRead.model_validate(s) for s in workorders.steps_of(session, row.id)]
    values["tests"] = [
        WorkTestRead.model_validate(t).model_copy(
            update={
                "photos": [PhotoRead.model_validate(p) for p in photos.photos_of(session, t.id)]
            }
        )
        for t in workorders.tests_of(session, row.id)
    ]
    return WorkOrderRead.model_validate(values)


@router.get("/requests")
def read_requests(
    session: SessionDep,
    actor: CurrentActor,
    page: PageDep,
    request_status: Annotated[RequestStatus | None, Query(alias="status")] = None,
    incident_id: Id = None,
) -> Page[RequestRead]:
    """Supply requests, most urgent first."""
    authorize(actor, READ)
    flt = requests.RequestFilter(status=request_status, incident_id=incident_id)
    rows, total = requests.list_requests(session, flt=flt, limit=page.limit, offset=page.offset)
    return Page(
        items=[request_read(session, r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post("/requests", status_code=status.HTTP_201_CREATED)
def create_request(body: RequestCreate, session: SessionDep, actor: CurrentActor) -> RequestRead:
    """Ask for stock to be brought to one or more destinations."""
    return request_read(session, requests.create_request(session, data=body, actor=actor))


@router.get("/requests/{request_id}")
def read_request(request_id: str, session: SessionDep, actor: CurrentActor) -> RequestRead:
    """One request."""
    authorize(actor, READ)
    return request_read(session, requests.get_request(session, request_id))


@router.post("/requests/{request_id}/approve")
def approve(
    request_id: str, body: Decision, session: SessionDep, actor: CurrentActor
) -> RequestRead:
    """Approve a request: a delivery opens for each destination."""
    row = requests.approve_request(session, request_id=request_id, note=body.note, actor=actor)
    return request_read(session, row)


@router.post("/requests/{request_id}/reject")
def reject(
    request_id: str, body: Decision, session: SessionDep, actor: CurrentActor
) -> RequestRead:
    """Reject a request, saying why."""
    row = requests.reject_request(session, request_id=request_id, note=body.note, actor=actor)
    return request_read(session, row)


@router.post("/requests/{request_id}/cancel")
def cancel(
    request_id: str, body: Decision, session: SessionDep, actor: CurrentActor
) -> RequestRead:
    """Withdraw a request before anything is picked."""
    row = requests.cancel_request(session, request_id=request_id, note=body.note, actor=actor)
    return request_read(session, row)


@router.get("/deliveries")
def read_deliveries(
    session: SessionDep,
    actor: CurrentActor,
    page: PageDep,
    dest: Annotated[str | None, Query(max_length=60, description="kind:id")] = None,
    delivery_status: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
) -> list[DeliveryRead]:
    """Deliveries, soonest due first; ``dest=post:<id>`` lists what is coming to a post."""
    authorize(actor, READ)
    rows = deliveries.list_deliveries(
        session,
        dest=parse_location(dest) if dest else None,
        status=delivery_status,
        limit=page.limit,
        offset=page.offset,
    )
    return [DeliveryRead.model_validate(d) for d in rows]


@router.post("/deliveries/{delivery_id}/pick")
def pick(delivery_id: str, body: PickIn, session: SessionDep, actor: CurrentActor) -> DeliveryRead:
    """Pick a delivery's stock at the source."""
    row = deliveries.pick_delivery(
        session, delivery_id=delivery_id, serials=body.serials, actor=actor
    )
    return DeliveryRead.model_validate(row)


@router.post("/deliveries/{delivery_id}/confirm")
def confirm(
    delivery_id: str, body: ConfirmIn, session: SessionDep, actor: CurrentActor
) -> DeliveryRead:
    """The receiving post signs for a delivery."""
    row = deliveries.confirm_delivery(
        session,
        delivery_id=delivery_id,
        signed_by_person_id=body.signed_by_person_id,
        note=body.note,
        actor=actor,
    )
    return DeliveryRead.model_validate(row)


@router.get("/workorders")
def read_work_orders(
    session: SessionDep,
    actor: CurrentActor,
    page: PageDep,
    wo_status: Annotated[WorkOrderStatus | None, Query(alias="status")] = None,
    assignee_person_id: Id = None,
) -> Page[WorkOrderRead]:
    """Work orders, soonest due first."""
    authorize(actor, READ)
    flt = workorders.WorkOrderFilter(status=wo_status, assignee_person_id=assignee_person_id)
    rows, total = workorders.list_work_orders(
        session, flt=flt, limit=page.limit, offset=page.offset
    )
    return Page(
        items=[work_order_read(session, r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post("/workorders", status_code=status.HTTP_201_CREATED)
def create_work_order(
    body: WorkOrderCreate, session: SessionDep, actor: CurrentActor
) -> WorkOrderRead:
    """Open a work order and reserve its materials."""
    return work_order_read(session, workorders.create_work_order(session, data=body, actor=actor))


@router.get("/workorders/{work_order_id}")
def read_work_order(work_order_id: str, session: SessionDep, actor: CurrentActor) -> WorkOrderRead:
    """One work order."""
    authorize(actor, READ)
    return work_order_read(session, workorders.get_work_order(session, work_order_id))


@router.post("/workorders/steps/{step_id}/done")
def step_done(step_id: str, session: SessionDep, actor: CurrentActor) -> StepRead:
    """Mark a step done."""
    return StepRead.model_validate(workorders.complete_step(session, step_id=step_id, actor=actor))


@router.post("/workorders/materials/{material_id}/consume")
def consume(
    material_id: str, body: ConsumeIn, session: SessionDep, actor: CurrentActor
) -> MaterialRead:
    """Use some of a reserved material."""
    row = workorders.consume_material(
        session, material_id=material_id, quantity=body.quantity, note=body.note, actor=actor
    )
    return MaterialRead.model_validate(row)


@router.post("/workorders/{work_order_id}/tests", status_code=status.HTTP_201_CREATED)
def record_test(
    work_order_id: str, body: WorkTestIn, session: SessionDep, actor: CurrentActor
) -> WorkTestRead:
    """Record a test of the product and its outcome."""
    row = workorders.record_test(
        session,
        work_order_id=work_order_id,
        name=body.name,
        outcome=body.outcome,
        notes=body.notes,
        actor=actor,
    )
    return WorkTestRead.model_validate(row)


@router.post("/workorders/tests/{test_id}/photos", status_code=status.HTTP_201_CREATED)
async def upload_photo(
    test_id: str, file: UploadFile, session: SessionDep, actor: CurrentActor
) -> PhotoRead:
    """Attach a photo (JPEG, PNG or WebP) to a test."""
    data = await file.read(photos.MAX_PHOTO_BYTES + 1)
    row = photos.attach_photo(
        session,
        test_id=test_id,
        filename=file.filename or "photo",
        content_type=file.content_type or "",
        data=data,
        actor=actor,
    )
    return PhotoRead.model_validate(row)


@router.get("/workorders/photos/{photo_id}")
def read_photo(photo_id: str, session: SessionDep, actor: CurrentActor) -> Response:
    """A test photo's image."""
    authorize(actor, READ)
    row = photos.get_photo(session, photo_id)
    return Response(
        row.data, media_type=row.content_type, headers={"X-Content-Type-Options": "nosniff"}
    )


@router.post("/workorders/{work_order_id}/complete")
def complete(
    work_order_id: str, body: CompleteIn, session: SessionDep, actor: CurrentActor
) -> WorkOrderRead:
    """Finish a work order: what was made enters stock."""
    row = workorders.complete_work_order(
        session, work_order_id=work_order_id, serials=body.serials, note=body.note, actor=actor
    )
    return work_order_read(session, row)


@router.post("/workorders/{work_order_id}/cancel")
def cancel_work_order(
    work_order_id: str, body: Decision, session: SessionDep, actor: CurrentActor
) -> WorkOrderRead:
    """Stop a work order and free its reservations."""
    row = workorders.cancel_work_order(
        session, work_order_id=work_order_id, note=body.note, actor=actor
    )
    return work_order_read(session, row)
