"""Supply requests, their lines, and the deliveries that carry them to each destination."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from muster.db import Base, UTCDateTime, new_id
from muster.logistics.enums import DeliveryStatus, LocationKind, Priority, RequestStatus
from muster.logistics.models import enum_column, quantity_column


class SupplyRequest(Base):
    """A request for stock to be brought somewhere: "weapons to the South and West airlocks"."""

    __tablename__ = "logistics_requests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[RequestStatus] = mapped_column(enum_column(RequestStatus), index=True)
    priority: Mapped[Priority] = mapped_column(enum_column(Priority))
    # The incident it serves, when there is one (no foreign key: incidents is optional).
    incident_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    source_kind: Mapped[LocationKind] = mapped_column(enum_column(LocationKind))
    source_id: Mapped[str] = mapped_column(String(36))
    requester_actor_id: Mapped[str] = mapped_column(String(100))
    requester: Mapped[str] = mapped_column(String(200))
    requester_person_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    needed_by: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Delivery(Base):
    """What one request brings to one destination, and who signed for it when."""

    __tablename__ = "logistics_deliveries"
    __table_args__ = (
        UniqueConstraint("request_id", "dest_kind", "dest_id", name="uq_logistics_delivery_dest"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    request_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("logistics_requests.id"), index=True
    )
    dest_kind: Mapped[LocationKind] = mapped_column(enum_column(LocationKind))
    dest_id: Mapped[str] = mapped_column(String(36), index=True)
    status: Mapped[DeliveryStatus] = mapped_column(enum_column(DeliveryStatus), index=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    picked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    picked_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    confirmed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    signed_by_person_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("persons.id"), nullable=True
    )
    overdue_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


class RequestLine(Base):
    """So much of an item for one destination; its delivery is made when approved."""

    __tablename__ = "logistics_request_lines"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    request_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("logistics_requests.id"), index=True
    )
    delivery_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("logistics_deliveries.id"), nullable=True, index=True
    )
    position: Mapped[int] = mapped_column()
    item_id: Mapped[str] = mapped_column(String(36), ForeignKey("logistics_items.id"))
    quantity: Mapped[Decimal] = mapped_column(quantity_column())
    dest_kind: Mapped[LocationKind] = mapped_column(enum_column(LocationKind))
    dest_id: Mapped[str] = mapped_column(String(36))


class DeliveryUnit(Base):
    """A tracked unit picked for a delivery line."""

    __tablename__ = "logistics_delivery_units"

    delivery_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("logistics_deliveries.id"), primary_key=True
    )
    unit_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("logistics_units.id"), primary_key=True
    )
    line_id: Mapped[str] = mapped_column(String(36), ForeignKey("logistics_request_lines.id"))
