"""Appending to, reading and verifying the event log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy import event as sa_event
from sqlalchemy.orm import ORMExecuteState, Session

from muster import clock
from muster.events.batches import PG_APPEND_LOCK, insert_pending_postgres
from muster.events.bus import get_bus
from muster.events.chain import (
    GENESIS_HASH,
    ChainFields,
    event_hash,
    format_time,
    jsonable,
    wire_form,
)
from muster.events.models import Event, EventSubject
from muster.events.sealer import PENDING_CHANNEL, sealer_for
from muster.ops.metrics import count_committed
from muster.policy.actor import Actor

# Every node serialises its appends (and the sealer its batches) on this advisory lock.
_PG_APPEND_LOCK = PG_APPEND_LOCK
# session.info key: when true, a commit that left events for the sealer returns only once
# they are sealed (read-your-writes for a caller that answers with them), at most this long.
AWAIT_SEAL = "await_seal"
SEAL_WAIT_SECONDS = 5.0


@dataclass
class _Head:
    seq: int
    hash: str


_EVENTS = cast(Table, Event.__table__)
_SUBJECTS = cast(Table, EventSubject.__table__)
_INSERT_EVENT = insert(_EVENTS)
_INSERT_SUBJECTS = insert(_SUBJECTS)
NOTIFY_CHANNEL = "muster_events"
# session.info key: fields added to the payload of every event the session appends
# (``{"exercise": True}`` in an exercise's transactions; see muster.scenario.exercise).
EVENT_MARKS = "event_marks"
_NOTIFY = text("SELECT pg_notify(:channel, :seq)")
_LOCK_APPEND = text("SELECT pg_advisory_xact_lock(:k)")
_SELECT_HEAD = select(_EVENTS.c.seq, _EVENTS.c.hash).order_by(_EVENTS.c.seq.desc()).limit(1)


def _head(session: Session) -> _Head:
    """The last event of the log, locked for this transaction so the chain stays linear.

    PostgreSQL: a transaction-scoped advisory lock serialises appenders on every node; the
    head is read after it is granted (READ COMMITTED sees the last commit). SQLite: write
    sessions begin with ``BEGIN IMMEDIATE``, which holds the database's write lock already.
    The head is then kept in the session until the transaction ends.
    """
    cached = session.info.get("event_head")
    if isinstance(cached, _Head):
        return cached
    lock_log(session)
    row = session.connection().execute(_SELECT_HEAD).first()
    head = _Head(row[0], row[1]) if row else _Head(0, GENESIS_HASH)
    session.info["event_head"] = head
    return head


def lock_log(session: Session) -> None:
    """Hold the log's append lock until this transaction ends (PostgreSQL; SQLite's
    ``BEGIN IMMEDIATE`` write transactions are serialised already). Taking it twice is free."""
    if session.info.get("log_locked"):
        return
    if session.get_bind().dialect.name == "postgresql":
        session.connection().execute(_LOCK_APPEND, {"k": _PG_APPEND_LOCK})
    session.info["log_locked"] = True


def append_event(
    session: Session,
    *,
    kind: str,
    actor: Actor,
    subjects: Iterable[str] = (),
    payload: dict[str, Any] | None = None,
    defer_seal: bool = False,
) -> Event:
    """Append one event to the log in the caller's transaction and return it.

    The event is chained at once; its rows are written with Core inserts, batched, before
    the next statement the session runs and before commit (appending is on every write
    path, and one round trip per batch matters on PostgreSQL). The returned ``Event`` is a
    plain copy for reading, not attached to the session.

    ``defer_seal=True``: the event is committed unsealed (``pending_events``, no chain lock)
    and the sealer gives it its ``seq`` and hash in milliseconds after the commit (which
    waits for that when ``session.info[AWAIT_SEAL]`` is set). The returned event has no
    ``seq`` or hash, and the transaction does not see it in ``events``: for callers that
    read neither. A transaction
    that also holds the chain lock or writes audited rows (their versions name the seq)
    seals its deferred events itself at commit, as if they had not been deferred.
    """
    subject_list = list(dict.fromkeys(s for s in subjects if s))
    marks = session.info.get(EVENT_MARKS)
    if marks:  # an exercise's session: every event it writes says so
        payload = {**(payload or {}), **marks}
    at = clock.now()
    clean = jsonable(payload or {})
    if defer_seal:
        deferred = {
            "at": at,
            "kind": kind,
            "actor_id": actor.id,
            "actor": actor.label,
            "subjects": subject_list,
            "payload": clean,
        }
        session.info.setdefault("events_deferred", []).append(deferred)
        return Event(**deferred, seq=None, prev_hash="", hash="")
    # Chained at once: events deferred earlier in this transaction come first, as appended.
    _chain_deferred(session, session.info.pop("events_deferred", []))
    return _chain(session, at=at, kind=kind, actor=actor, subjects=subject_list, payload=clean)


def _chain_deferred(session: Session, deferred: list[dict[str, Any]]) -> None:
    for item in deferred:
        _chain(
            session,
            at=item["at"],
            kind=item["kind"],
            actor=(item["actor_id"], item["actor"]),
            subjects=item["subjects"],
            payload=item["payload"],
        )


def _chain(
    session: Session,
    *,
    at: datetime,
    kind: str,
    actor: Actor | tuple[str, str],
    subjects: list[str],
    payload: dict[str, Any],
) -> Event:
    """Give an event the next ``seq`` after the head, chain it and queue it for writing."""
    head = _head(session)
    actor_id, label = actor if isinstance(actor, tuple) else (actor.id, actor.label)
    fields = ChainFields(
        seq=head.seq + 1,
        at=at,
        kind=kind,
        actor_id=actor_id,
        actor=label,
        subjects=subjects,
        payload=payload,
    )
    digest = event_hash(head.hash, fields)
    values: dict[str, Any] = {
        "seq": fields.seq,
        "at": fields.at,
        "kind": kind,
        "actor_id": fields.actor_id,
        "actor": fields.actor,
        "subjects": subjects,
        "payload": fields.payload,
        "prev_hash": head.hash,
        "hash": digest,
    }
    session.info["event_head"] = _Head(fields.seq, digest)
    session.info.setdefault("events_appended", []).append(values)
    return Event(**values)


def _write_appended(session: Session) -> None:
    """Insert the events appended but not yet written, in one batch per table."""
    appended: list[dict[str, Any]] = session.info.get("events_appended", [])
    written: int = session.info.get("events_written", 0)
    if written >= len(appended):
        return
    batch = appended[written:]
    session.info["events_written"] = len(appended)
    # On the session's connection, not through session.execute: the ORM's execution (and
    # this hook, run again for each statement) would cost more than the inserts.
    conn = session.connection()
    conn.execute(_INSERT_EVENT, batch)
    subject_rows = [{"seq": v["seq"], "subject": s} for v in batch for s in v["subjects"]]
    if subject_rows:
        conn.execute(_INSERT_SUBJECTS, subject_rows)
    if conn.dialect.name == "postgresql":
        # Delivered at commit to every node listening (events/listener.py): a wake-up only.
        conn.execute(_NOTIFY, {"channel": NOTIFY_CHANNEL, "seq": str(batch[-1]["seq"])})


def write_deferred(session: Session) -> None:
    """At commit: leave deferred events pending for the sealer, or seal them here.

    Here when this transaction holds the chain lock already (it appended sealed events) or
    writes audited rows, whose versions carry the seq of the transaction's last event.
    """
    deferred: list[dict[str, Any]] = session.info.pop("events_deferred", [])
    if not deferred:
        return
    session.flush()  # audited rows written by the last flush are known only after it
    engine = session.get_bind().engine
    if session.info.get("log_locked") or session.info.get(ROW_IMAGES) or _seals_inline(engine):
        _chain_deferred(session, deferred)
        return
    # Another node seals (or none yet): wake it at commit. This node's is woken directly
    # (its pipe, or its sealer process's FIFO: events/seal_process.py).
    notify = None if sealer_for(engine).node_leads() else PENDING_CHANNEL
    raw = session.connection().connection.driver_connection
    session.info["events_pending"] = insert_pending_postgres(raw, deferred, notify=notify)


def _seals_inline(engine: Any) -> bool:
    """SQLite: one writer at a time holds the database, so sealing in its transaction costs
    nothing more, while a sealer's own commit would cost a second fsync and wait behind the
    writers for the lock (docs/benchmarks.md)."""
    return bool(engine.dialect.name == "sqlite")


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
        "prev_hash": row.prev_hash,
        "hash": row.hash,
    }


# Transaction bookkeeping: write before anything reads or commits, publish what was
# committed, forget what was rolled back (a savepoint, or the whole transaction).

_STATE_KEYS = (
    "event_head",
    "events_appended",
    "events_written",
    "event_marks",
    "event_savepoints",
    "events_deferred",
    "events_pending",
    "log_locked",
)


@sa_event.listens_for(Session, "do_orm_execute")
def _write_before_statement(orm_execute_state: ORMExecuteState) -> None:
    _write_appended(orm_execute_state.session)


@sa_event.listens_for(Session, "before_commit")
def _write_before_commit(session: Session) -> None:
    write_deferred(session)
    _write_appended(session)


@sa_event.listens_for(Session, "after_transaction_create")
def _mark_savepoint(session: Session, transaction: Any) -> None:
    if transaction.nested:
        marks = session.info.setdefault("event_savepoints", {})
        marks[transaction] = (
            len(session.info.get("events_appended", ())),
            session.info.get("events_written", 0),
            # A copy: a chained append inside the savepoint chains these first (and a
            # rollback of the savepoint gives them back).
            list(session.info.get("events_deferred", ())),
        )


@sa_event.listens_for(Session, "after_commit")
def _publish_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        # A savepoint released (SQLAlchemy calls after_commit for it too): nothing is
        # committed until the outer transaction is, which may still roll back. Published
        # here, consoles heard of events that never were and skipped the real ones that
        # took their seqs; a deferred event's writer waited for a seal that could not come.
        return
    appended = session.info.get("events_appended")
    pending = session.info.get("events_pending")
    for key in _STATE_KEYS:
        session.info.pop(key, None)
    engine = session.get_bind().engine
    if appended:
        wire = [wire_form(v) for v in appended]
        count_committed(wire)
        get_bus(str(engine.url)).publish(wire)
    if pending:  # committed unsealed: the sealer publishes them once sealed
        sealer = sealer_for(engine)
        if session.info.get(AWAIT_SEAL):
            sealer.wait_sealed(pending, SEAL_WAIT_SECONDS)
        else:
            sealer.committed(pending)


@sa_event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous: Any) -> None:
    mark = session.info.get("event_savepoints", {}).get(previous) if previous.nested else None
    if mark is None:
        for key in _STATE_KEYS:
            session.info.pop(key, None)
        return
    # Events appended before the savepoint stay; any written inside it are written again.
    session.info.pop("log_locked", None)  # taken again if needed: cheap, and always safe
    appended_before, written_before, deferred_before = mark
    appended: list[dict[str, Any]] = session.info.get("events_appended", [])
    del appended[appended_before:]
    session.info["events_deferred"] = list(deferred_before)
    session.info["events_written"] = min(session.info.get("events_written", 0), written_before)
    if appended:
        session.info["event_head"] = _Head(appended[-1]["seq"], appended[-1]["hash"])
    else:
        session.info.pop("event_head", None)


@sa_event.listens_for(Session, "after_transaction_end")
def _forget_after_end(session: Session, transaction: Any) -> None:
    # close() ends a transaction without a rollback event; never carry state across.
    if transaction.parent is None:
        for key in _STATE_KEYS:
            session.info.pop(key, None)


@dataclass(frozen=True)
class EventFilter:
    """What to select from the log. ``kind`` ending in ``.`` matches a prefix."""

    kind: str | None = None
    subject: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    after_seq: int | None = None
    hidden_kinds: tuple[str, ...] = ()


def _filtered(flt: EventFilter) -> Any:
    query = select(Event)
    for prefix in flt.hidden_kinds:
        query = query.where(~Event.kind.startswith(prefix))
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
    query = select(Event).order_by(Event.seq).execution_options(yield_per=batch)
    rows = session.scalars(query)
    try:  # a server-side cursor on PostgreSQL: close it even when stopping early
        return _check_rows(rows)
    finally:
        rows.close()


def _check_rows(rows: Iterable[Event]) -> ChainReport:
    prev_hash = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for row in rows:
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


# Row versions ride on the same transactions: importing the module registers its listeners.
from muster.events.rows import ROW_IMAGES  # noqa: E402
