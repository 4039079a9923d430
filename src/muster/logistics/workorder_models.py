"""Engineering work orders: materials reserved and consumed, steps, tests and photos."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from muster.db import Base, UTCDateTime, new_id
from muster.logistics.enums import LocationKind, Outcome, WorkOrderKind, WorkOrderStatus
from muster.logistics.models import enum_column, quantity_column


class WorkOrder(Base):
    """Something to make or repair: by whom, by when, from what, and where it goes."""

    __tablename__ = "logistics_workorders"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[WorkOrderKind] = mapped_column(enum_column(WorkOrderKind))
    status: Mapped[WorkOrderStatus] = mapped_column(enum_column(WorkOrderStatus), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    assignee_person_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("persons.id"), nullable=True, index=True
    )
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    product_item_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("logistics_items.id"), nullable=True
    )
    product_quantity: Mapped[Decimal] = mapped_column(quantity_column(), default=Decimal(0))
    repair_unit_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("logistics_units.id"), nullable=True
    )
    output_kind: Mapped[LocationKind | None] = mapped_column(
        enum_column(LocationKind), nullable=True
    )
    output_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    notes: Mapped[str] = mapped_column(Text, default="")
    # Tests the product must pass (their latest result) before the order can be finished.
    required_tests: Mapped[list[str]] = mapped_column(JSON, default=list)


class WorkOrderMaterial(Base):
    """A material a work order uses: reserved at a location, then consumed."""

    __tablename__ = "logistics_wo_materials"
    __table_args__ = (
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("consumed >= 0", name="consumed_not_negative"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    work_order_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("logistics_workorders.id"), index=True
    )
    item_id: Mapped[str] = mapped_column(String(36), ForeignKey("logistics_items.id"))
    location_kind: Mapped[LocationKind] = mapped_column(enum_column(LocationKind))
    location_id: Mapped[str] = mapped_column(String(36))
    reserved: Mapped[Decimal] = mapped_column(quantity_column())
    consumed: Mapped[Decimal] = mapped_column(quantity_column(), default=Decimal(0))


class WorkOrderStep(Base):
    """One step of the work, in order, and when it was done."""

    __tablename__ = "logistics_wo_steps"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    work_order_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("logistics_workorders.id"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    done_by: Mapped[str | None] = mapped_column(String(200), nullable=True)


class WorkOrderTest(Base):
    """A test of the product (a shield against a blade) and its outcome."""

    __tablename__ = "logistics_wo_tests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    work_order_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("logistics_workorders.id"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome))
    notes: Mapped[str] = mapped_column(Text, default="")
    tested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    tested_by: Mapped[str] = mapped_column(String(200))


class WorkOrderPhoto(Base):
    """A photo attached to a test, stored in the database with its checksum."""

    __tablename__ = "logistics_wo_photos"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    test_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("logistics_wo_tests.id"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    uploaded_by: Mapped[str] = mapped_column(String(200))
