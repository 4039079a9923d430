"""The event log table: append-only, gapless, hash-chained."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from muster.db import Base, UTCDateTime

SeqType = BigInteger().with_variant(Integer(), "sqlite")


class Event(Base):
    """One fact in the station's record. Never updated, never deleted."""

    __tablename__ = "events"

    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    kind: Mapped[str] = mapped_column(String(80), index=True)
    actor_id: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(200))
    subjects: Mapped[list[str]] = mapped_column(JSON)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class PendingEvent(Base):
    """An event committed by its writer but not sealed yet: no ``seq``, no hash.

    The sealer (events/sealer.py) moves these rows into ``events`` in ``id`` order, giving
    each its ``seq`` and chaining its hash, and deletes them in the same transaction: a
    pending event is sealed exactly once or stays here until the next sealer takes it.
    """

    __tablename__ = "pending_events"

    id: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(80))
    actor_id: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(200))
    subjects: Mapped[list[str]] = mapped_column(JSON)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class EventSubject(Base):
    """Index of which ids an event is about, so a person's or a portal's history is one query."""

    __tablename__ = "event_subjects"
    __table_args__ = (Index("ix_event_subjects_subject_seq", "subject", "seq"),)

    seq: Mapped[int] = mapped_column(
        SeqType, ForeignKey("events.seq", ondelete="RESTRICT"), primary_key=True
    )
    subject: Mapped[str] = mapped_column(String(64), primary_key=True)


class Checkpoint(Base):
    """A signed statement of the log's head: its size, Merkle root and chain hash at a time.

    The signature is what makes it worth keeping: a copy held outside the database (a
    report, a handset, an investigator's file) proves what the log said, whatever the
    database says later. The row here is a convenience copy, not the trust anchor.
    """

    __tablename__ = "checkpoints"

    id: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    size: Mapped[int] = mapped_column(SeqType, index=True)
    root: Mapped[str] = mapped_column(String(64))
    head_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    node: Mapped[str] = mapped_column(String(200))
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(100))
    rows_size: Mapped[int] = mapped_column(SeqType, default=0)
    rows_head: Mapped[str] = mapped_column(String(64), default="")


class RowVersion(Base):
    """The after-state of one row of an audited table (or its deletion), hash-chained.

    Written in the transaction that changed the row, linked to that transaction's last
    event; ``muster audit verify`` replays these into a projection and compares the tables.
    """

    __tablename__ = "row_versions"
    __table_args__ = (Index("ix_row_versions_table_key", "table_name", "row_key"),)

    n: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=False)
    seq: Mapped[int | None] = mapped_column(SeqType, nullable=True)
    table_name: Mapped[str] = mapped_column(String(80))
    row_key: Mapped[str] = mapped_column(String(400))
    image: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
