"""Appending to, reading and verifying the event log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from muster import clock
from muster.auth.actor import Actor
from muster.events.bus import get_bus
from muster.events.chain import GENESIS_HASH, ChainFields, event_hash, format_time, jsonable
from muster.events.models import Event, EventSubject

# Any constant works: every node serialises its appends on this one advisory lock.
_PG_APPEND_LOCK = 0x6D75737465


@dataclass
class _Head:
    seq: int
    hash: str


def _head(session: Session) -> _Head:
    """The last event of the log, locked for this transaction so the chain stays linear."""
    cached = session.info.get("event_head")
    if isinstance(cached, _Head):
        return cached
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_APPEND_LOCK})
    row = session.execute(select(Event.seq, Event.hash).order_by(Event.seq.desc()).limit(1)).first()
    head = _Head(row[0], row[1]) if row else _Head(0, GENESIS_HASH)
    session.info["event_head"] = head
    return head


def append_event(
    session: Session,
    *,
    kind: str,
    actor: Actor,
    subjects: Iterable[str] = (),
    payload: dict[str, Any] | None = None,
) -> Event:
    """Append one event to the log in the caller's transaction and return it."""
    head = _head(session)
    subject_list = list(dict.fromkeys(s for s in subjects if s))
    fields = ChainFields(
        seq=head.seq + 1,
        at=clock.now(),
        kind=kind,
        actor_id=actor.id,
        actor=actor.label,
        subjects=subject_list,
        payload=jsonable(payload or {}),
    )
    digest = event_hash(head.hash, fields)
    row = Event(
        seq=fields.seq,
        at=fields.at,
        kind=kind,
        actor_id=fields.actor_id,
        actor=fields.actor,
        subjects=subject_list,
        payload=fields.payload,
        prev_hash=head.hash,
        hash=digest,
    )
    session.add(row)
    session.add_all(EventSubject(seq=fields.seq, subject=s) for s in subject_list)
    session.info["event_head"] = _Head(fields.seq, digest)
    session.info.setdefault("events_pending", []).append(row)
    return row


def event_to_dict(row: Event) -> dict[str, Any]:
    """The wire form of an event, as the API, the stream and exports give it."""
    return {
        "seq": row.seq,
        "at": format_time(row.at),
        "kind": row.kind,
        "actor_id": row.actor_id,
        "actor": row.actor,
        "subjects": list(row.subjects),
        "payload": row.payload,
        "hash": row.hash,
    }


@sa_event.listens_for(Session, "after_commit")
def _publish_after_commit(session: Session) -> None:
    pending = session.info.pop("events_pending", None)
    session.info.pop("event_head", None)
    if pending:
        get_bus().publish([event_to_dict(r) for r in pending])


@sa_event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous: Any) -> None:
    session.info.pop("event_head", None)  # re-read from the database on the next append
    if not previous.nested:
        session.info.pop("events_pending", None)


@dataclass(frozen=True)
class EventFilter:
    """What to select from the log. ``kind`` ending in ``.`` matches a prefix."""

    kind: str | None = None
    subject: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    after_seq: int | None = None


def _filtered(flt: EventFilter) -> Any:
    query = select(Event)
    if flt.kind:
        query = query.where(
            Event.kind.startswith(flt.kind) if flt.kind.endswith(".") else Event.kind == flt.kind
        )
    if flt.subject:
        query = query.where(
            Event.seq.in_(select(EventSubject.seq).where(EventSubject.subject == flt.subject))
        )
    if flt.since:
        query = query.where(Event.at >= flt.since)
    if flt.until:
        query = query.where(Event.at < flt.until)
    if flt.after_seq is not None:
        query = query.where(Event.seq > flt.after_seq)
    return query


def list_events(
    session: Session, *, flt: EventFilter, limit: int = 100, offset: int = 0
) -> tuple[list[Event], int]:
    """A page of events in order, and how many match in all."""
    query = _filtered(flt)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Event.seq).limit(limit).offset(offset)).all()
    return list(rows), total


def events_after(session: Session, *, seq: int, limit: int = 500) -> list[Event]:
    """Events newer than ``seq``, oldest first (the live stream's catch-up read)."""
    query = select(Event).where(Event.seq > seq).order_by(Event.seq).limit(limit)
    return list(session.scalars(query).all())


def last_seq(session: Session) -> int:
    """Sequence number of the newest event, 0 when the log is empty."""
    return session.scalar(select(func.max(Event.seq))) or 0


@dataclass(frozen=True)
class ChainReport:
    """Outcome of checking the whole chain."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None


def verify_chain(session: Session, *, batch: int = 5000) -> ChainReport:
    """Recompute every hash in order; name the first event that does not verify."""
    prev_hash = GENESIS_HASH
    expected_seq = 1
    checked = 0
    query = select(Event).order_by(Event.seq).execution_options(yield_per=batch)
    for row in session.scalars(query):
        if row.seq != expected_seq:
            return ChainReport(False, checked, expected_seq, f"event {expected_seq} is missing")
        if row.prev_hash != prev_hash:
            return ChainReport(
                False, checked, row.seq, "its previous-hash link does not match the event before"
            )
        fields = ChainFields(
            seq=row.seq,
            at=row.at,
            kind=row.kind,
            actor_id=row.actor_id,
            actor=row.actor,
            subjects=list(row.subjects),
            payload=row.payload,
        )
        if event_hash(prev_hash, fields) != row.hash:
            return ChainReport(False, checked, row.seq, "its content does not match its hash")
        prev_hash = row.hash
        expected_seq += 1
        checked += 1
    return ChainReport(True, checked)
