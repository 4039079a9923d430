"""API shapes for supply requests and deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from muster.logistics.enums import DeliveryStatus, LocationKind, Priority, RequestStatus
from muster.logistics.schemas import LocationRef, Notes, Quantity, QuantityIn, RefId, Serial
from muster.schemas import ReadModel, StrictModel

Title = Annotated[str, StringConstraints(min_length=1, max_length=200)]
MAX_LINES = 200


class RequestLineIn(StrictModel):
    """So much of an item, to one destination."""

    item_id: RefId
    quantity: QuantityIn
    dest: LocationRef


class RequestCreate(StrictModel):
    """A request for stock to be brought from one place to one or more destinations."""

    title: Title
    source: LocationRef
    lines: list[RequestLineIn] = Field(min_length=1, max_length=MAX_LINES)
    priority: Priority = Priority.ROUTINE
    incident_id: RefId | None = None
    needed_by: datetime | None = None
    notes: Notes = ""


class Decision(StrictModel):
    """Approve or reject a request, with a note."""

    note: Notes = ""


class PickIn(StrictModel):
    """Serials picked per request line (tracked items); others are chosen by serial order."""

    serials: dict[RefId, list[Serial]] = Field(default_factory=dict)


class ConfirmIn(StrictModel):
    """The receiving post signs for a delivery."""

    signed_by_person_id: RefId | None = None
    note: Notes = ""


class RequestLineRead(ReadModel):
    """A line of a request."""

    id: str
    position: int
    item_id: str
    quantity: Quantity
    dest_kind: LocationKind
    dest_id: str
    delivery_id: str | None


class DeliveryRead(ReadModel):
    """A delivery to one destination, with its times."""

    id: str
    request_id: str
    dest_kind: LocationKind
    dest_id: str
    status: DeliveryStatus
    due_at: datetime | None
    picked_at: datetime | None
    picked_by: str | None
    confirmed_at: datetime | None
    confirmed_by: str | None
    signed_by_person_id: str | None
    overdue_alerted_at: datetime | None
    note: str


class RequestRead(ReadModel):
    """A request with its lines and deliveries."""

    id: str
    title: str
    status: RequestStatus
    priority: Priority
    effective_priority: Priority
    incident_id: str | None
    source_kind: LocationKind
    source_id: str
    requester: str
    requester_person_id: str | None
    needed_by: datetime | None
    notes: str
    decided_at: datetime | None
    decided_by: str | None
    decision_note: str
    created_at: datetime
    updated_at: datetime
    lines: list[RequestLineRead]
    deliveries: list[DeliveryRead]
