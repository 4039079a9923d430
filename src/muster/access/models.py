"""Tables of access control: policy versions, holds, passes, visits, decisions, passages,
presence and roll calls. (A transfer to a vessel has no table: it is derived from its
consent case at each decision, see ``transfers.py``.)"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from muster.db import Base, UTCDateTime, new_id


class PolicyVersion(Base):
    """One saved version of the whole Cedar policy; the active one is the latest activated."""

    __tablename__ = "policy_versions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    policy_text: Mapped[str] = mapped_column(Text)
    schema_text: Mapped[str] = mapped_column(Text)
    # The safety properties in force when the version was saved (access/proofs.py).
    properties_text: Mapped[str] = mapped_column(Text, default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[str] = mapped_column(String(100))
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    activated_by: Mapped[str] = mapped_column(String(200), default="")


class Hold(Base):
    """A hold on a person: while it is not lifted, no airlock lets them out."""

    __tablename__ = "holds"
    __table_args__ = (Index("ix_holds_person_open", "person_id", "lifted_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(String(36), ForeignKey("persons.id"))
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    placed_by_id: Mapped[str] = mapped_column(String(100))
    placed_by: Mapped[str] = mapped_column(String(200))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    lifted_by: Mapped[str] = mapped_column(String(200), default="")
    lift_reason: Mapped[str] = mapped_column(Text, default="")


class DutyPass(Base):
    """Leave for a resident or crew member to go out through airlocks in a time window."""

    __tablename__ = "duty_passes"
    __table_args__ = (Index("ix_duty_passes_person_until", "person_id", "valid_until"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(String(36), ForeignKey("persons.id"))
    purpose: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime())
    issued_by: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class VisitAuthorization(Base):
    """Leave for a visitor to board: host, purpose, the zones they may go to, a window."""

    __tablename__ = "visit_authorizations"
    __table_args__ = (Index("ix_visits_person_until", "person_id", "valid_until"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(String(36), ForeignKey("persons.id"))
    host_id: Mapped[str] = mapped_column(String(36), ForeignKey("persons.id"))
    purpose: Mapped[str] = mapped_column(Text)
    zone_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime())
    issued_by: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Decision(Base):
    """One person's decision at a portal: what was asked, what Cedar saw, what it decided."""

    __tablename__ = "access_decisions"
    __table_args__ = (
        Index("ix_access_decisions_lookup", "person_id", "portal_id", "direction", "decided_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    request_id: Mapped[str] = mapped_column(String(36), index=True)
    person_ref: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    portal_id: Mapped[str] = mapped_column(String(36), ForeignKey("portals.id"))
    direction: Mapped[str] = mapped_column(String(10))
    allowed: Mapped[bool] = mapped_column(Boolean)
    rule_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    explanation: Mapped[str] = mapped_column(Text)
    policy_version: Mapped[str] = mapped_column(String(36))
    cedar_input: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor_id: Mapped[str] = mapped_column(String(100))
    actor: Mapped[str] = mapped_column(String(200))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Passage(Base):
    """A person who went through a portal, as the door reported it (once per key)."""

    __tablename__ = "passages"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    decision_id: Mapped[str] = mapped_column(String(36), ForeignKey("access_decisions.id"))
    person_id: Mapped[str] = mapped_column(String(36), ForeignKey("persons.id"), index=True)
    portal_id: Mapped[str] = mapped_column(String(36), ForeignKey("portals.id"))
    direction: Mapped[str] = mapped_column(String(10))
    from_zone_id: Mapped[str] = mapped_column(String(36))
    to_zone_id: Mapped[str] = mapped_column(String(36))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(200))


class Presence(Base):
    """Where a person is now, kept current with each passage (roll call reads only this)."""

    __tablename__ = "presence"

    person_id: Mapped[str] = mapped_column(String(36), ForeignKey("persons.id"), primary_key=True)
    zone_id: Mapped[str] = mapped_column(String(36), ForeignKey("zones.id"), index=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(200))


class RollCall(Base):
    """A count of everyone: open until closed; posts mark persons accounted for."""

    __tablename__ = "roll_calls"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    reason: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_by: Mapped[str] = mapped_column(String(200))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class RollCallMark(Base):
    """A person seen and accounted for by a post during a roll call."""

    __tablename__ = "roll_call_marks"

    roll_call_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("roll_calls.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[str] = mapped_column(String(36), ForeignKey("persons.id"), primary_key=True)
    post_id: Mapped[str] = mapped_column(String(36), ForeignKey("posts.id"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    marked_by: Mapped[str] = mapped_column(String(200))
