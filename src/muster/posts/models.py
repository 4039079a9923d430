"""Post reports, the force each names, help requests and status checks of quiet posts.

A report is never edited: the latest per post is the post's situation, and its age is
how long the post has been silent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from muster.db import Base, UTCDateTime, new_id
from muster.posts.enums import PostStatus


def _values(enum: Any) -> list[str]:
    return [member.value for member in enum]


class PostReport(Base):
    """A post's situation as one of its guards reported it, with the counts seen."""

    __tablename__ = "post_reports"
    __table_args__ = (
        Index("ix_post_reports_post_at", "post_id", "reported_at"),
        UniqueConstraint("post_id", "idempotency_key", name="uq_post_reports_key"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    post_id: Mapped[str] = mapped_column(String(36), ForeignKey("posts.id"))
    portal_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("portals.id"), nullable=True
    )
    incident_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("incidents.id"), nullable=True, index=True
    )
    status: Mapped[PostStatus] = mapped_column(
        Enum(PostStatus, native_enum=False, length=24, values_callable=_values)
    )
    visitors_seen: Mapped[int] = mapped_column(Integer, default=0)
    residents_seen: Mapped[int] = mapped_column(Integer, default=0)
    armed_seen: Mapped[int] = mapped_column(Integer, default=0)
    # Casualties seen at the post: each side's dead and wounded.
    station_dead: Mapped[int] = mapped_column(Integer, default=0)
    station_wounded: Mapped[int] = mapped_column(Integer, default=0)
    visitors_dead: Mapped[int] = mapped_column(Integer, default=0)
    visitors_wounded: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text, default="")
    reported_by: Mapped[str] = mapped_column(String(200))
    reporter_person_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A handset's Idempotency-Key, and the request it came with: a retry records nothing new.
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    request_hash: Mapped[str] = mapped_column(String(64), default="")


class ForceUse(Base):
    """Force used at a post: by whom, against whom, with what, and the outcome."""

    __tablename__ = "post_force_uses"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    report_id: Mapped[str] = mapped_column(String(36), ForeignKey("post_reports.id"), index=True)
    post_id: Mapped[str] = mapped_column(String(36), ForeignKey("posts.id"), index=True)
    incident_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    used_by_person_id: Mapped[str] = mapped_column(String(36), ForeignKey("persons.id"))
    against_person_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    against_count: Mapped[int] = mapped_column(Integer, default=0)
    # The weapon, when one signed out to them was used: the unit and its custody signature.
    unit_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("logistics_units.id"), nullable=True, index=True
    )
    custody_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    means: Mapped[str] = mapped_column(String(200), default="")
    outcome: Mapped[str] = mapped_column(Text)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HelpRequest(Base):
    """A post's call for help: the flash page it sent, and the report it carried."""

    __tablename__ = "post_help_requests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    post_id: Mapped[str] = mapped_column(String(36), ForeignKey("posts.id"), index=True)
    incident_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    report_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    message_id: Mapped[str] = mapped_column(String(36), ForeignKey("comms_messages.id"))
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StatusCheck(Base):
    """The station's request for a status report from a quiet post; answered by a report."""

    __tablename__ = "post_status_checks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    post_id: Mapped[str] = mapped_column(String(36), ForeignKey("posts.id"), index=True)
    incident_id: Mapped[str] = mapped_column(String(36), ForeignKey("incidents.id"))
    message_id: Mapped[str] = mapped_column(String(36), ForeignKey("comms_messages.id"))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    report_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
