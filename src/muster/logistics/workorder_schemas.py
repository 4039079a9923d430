"""API shapes for work orders."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from muster.logistics.enums import LocationKind, Outcome, WorkOrderKind, WorkOrderStatus
from muster.logistics.schemas import LocationRef, Notes, Quantity, QuantityIn, RefId, Serial
from muster.schemas import ReadModel, StrictModel

Title = Annotated[str, StringConstraints(min_length=1, max_length=200)]
StepText = Annotated[str, StringConstraints(min_length=1, max_length=1000)]
MAX_STEPS = 100
MAX_MATERIALS = 50
MAX_REQUIRED_TESTS = 20


class MaterialIn(StrictModel):
    """A material to reserve for the work, from a location."""

    item_id: RefId
    location: LocationRef
    quantity: QuantityIn


class WorkOrderCreate(StrictModel):
    """What to make or repair, from what, by whom, by when, in which steps."""

    title: Title
    kind: WorkOrderKind = WorkOrderKind.MAKE
    description: Notes = ""
    assignee_person_id: RefId | None = None
    due_at: datetime | None = None
    product_item_id: RefId | None = None
    product_quantity: QuantityIn | None = None
    repair_unit_id: RefId | None = None
    output: LocationRef | None = None
    materials: list[MaterialIn] = Field(default_factory=list, max_length=MAX_MATERIALS)
    steps: list[StepText] = Field(default_factory=list, max_length=MAX_STEPS)
    required_tests: list[Title] = Field(
        default_factory=list,
        max_length=MAX_REQUIRED_TESTS,
        description="Tests the product must pass before the order is finished, by name "
        "(e.g. 'Blade strike' for a shield); the latest result of each must be a pass.",
    )
    notes: Notes = ""


class ConsumeIn(StrictModel):
    """So much of a reserved material used."""

    quantity: QuantityIn
    note: Notes = ""


class WorkTestIn(StrictModel):
    """A test of the product and its outcome."""

    name: Title
    outcome: Outcome
    notes: Notes = ""


class CompleteIn(StrictModel):
    """Finish a work order; serials name the tracked units it produced (else numbered)."""

    serials: list[Serial] | None = Field(default=None, max_length=1000)
    note: Notes = ""


class MaterialRead(ReadModel):
    """A material of a work order."""

    id: str
    item_id: str
    location_kind: LocationKind
    location_id: str
    reserved: Quantity
    consumed: Quantity


class StepRead(ReadModel):
    """A step of a work order."""

    id: str
    position: int
    text: str
    done_at: datetime | None
    done_by: str | None


class PhotoRead(ReadModel):
    """A photo's record (the image itself is at its own path)."""

    id: str
    test_id: str
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    uploaded_by: str


class WorkTestRead(ReadModel):
    """A test and its outcome."""

    id: str
    name: str
    outcome: Outcome
    notes: str
    tested_at: datetime
    tested_by: str
    photos: list[PhotoRead] = Field(default_factory=list)


class WorkOrderRead(ReadModel):
    """A work order with its materials, steps and tests."""

    id: str
    title: str
    kind: WorkOrderKind
    status: WorkOrderStatus
    description: str
    assignee_person_id: str | None
    due_at: datetime | None
    product_item_id: str | None
    product_quantity: Quantity
    repair_unit_id: str | None
    output_kind: LocationKind | None
    output_id: str | None
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    notes: str
    required_tests: list[str]
    materials: list[MaterialRead]
    steps: list[StepRead]
    tests: list[WorkTestRead]
