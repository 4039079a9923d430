"""A door's journal: every decision and passage, committed to disk before the reader hears it.

One SQLite file of its own (``synchronous=FULL``), apart from the replica, so applying a
large feed never holds up a decision's write. Entries are uploaded in the order they were
written, each with its key as the Idempotency-Key, and marked uploaded only after the
server answered; an entry uploaded twice (a crash between the answer and the mark) lands
once, because the server keys it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from muster import clock
from muster.door.replica import sqlite_engine
from muster.events.chain import format_time

JOURNAL_METADATA = MetaData()
ENTRIES = Table(
    "door_journal",
    JOURNAL_METADATA,
    Column("n", Integer, primary_key=True, autoincrement=True),
    Column("key", String(200), unique=True, nullable=False),
    Column("kind", String(20), nullable=False),  # "request", "passage" or "alert"
    Column("portal_id", String(36), nullable=False),
    Column("body", Text, nullable=False),
    Column("at", String(40), nullable=False),
    Column("uploaded_at", String(40), nullable=True),
    Column("outcome", Text, nullable=False, default=""),
)
_INSERT_COLUMNS = ("key", "kind", "portal_id", "body", "at", "outcome")
_INSERT_SQL = (
    f"INSERT INTO {ENTRIES.name} ({', '.join(_INSERT_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _INSERT_COLUMNS)})"
)
REQUEST = "request"
PASSAGE = "passage"
ALERT = "alert"  # for the post at the portal: a passage the door refused, an upload refused


@dataclass(frozen=True)
class Entry:
    """One journalled decision request or passage."""

    n: int
    key: str
    kind: str
    portal_id: str
    body: dict[str, Any]
    at: datetime
    uploaded_at: datetime | None
    outcome: str


@dataclass
class _Ticket:
    """An entry waiting for its shared commit."""

    row: dict[str, Any]
    done: bool = False
    error: Exception | None = None


class Journal:
    """The journal in ``path``."""

    def __init__(self, path: Path) -> None:
        self.engine = sqlite_engine(path)
        with self.engine.begin() as conn:
            JOURNAL_METADATA.create_all(conn)
        self._marked = threading.Condition()
        self._queue_lock = threading.Condition()
        self._queue: list[_Ticket] = []
        self._committing = False

    def wait_uploaded(self, timeout: float) -> bool:
        """Block until nothing waits for upload, or ``timeout`` seconds pass."""
        deadline = time.monotonic() + timeout
        with self._marked:
            while self.pending_count():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._marked.wait(left)
            return True

    def write(self, *, key: str, kind: str, portal_id: str, body: dict[str, Any]) -> None:
        """Commit one entry (durable when this returns)."""
        error = self.write_many([(key, kind, portal_id, body)])[0]
        if error is not None:
            raise error

    def write_many(
        self, entries: list[tuple[str, str, str, dict[str, Any]]]
    ) -> list[Exception | None]:
        """Commit entries, each (key, kind, portal id, body), durable when this returns;
        for each, what its commit raised (a key used twice), or None.

        Group commit: entries written at the same moment (by several readers' requests, or
        given together) share one transaction and one fsync. The first caller to find no
        commit under way commits everything queued by then, in its own thread; the others
        wait for it, and one of those left over commits next. The door's throughput is not
        one fsync per decision.
        """
        at = format_time(clock.now())
        tickets = [
            _Ticket(
                {
                    "key": key,
                    "kind": kind,
                    "portal_id": portal_id,
                    "body": json.dumps(body),
                    "at": at,
                    "outcome": "",
                }
            )
            for key, kind, portal_id, body in entries
        ]
        if not tickets:
            return []
        mine = tickets[0]  # all queued together: committed in the same batch
        with self._queue_lock:
            self._queue.extend(tickets)
            while not mine.done and self._committing:
                self._queue_lock.wait()
            if not mine.done:  # no commit under way: this caller commits what queued
                self._committing = True
                batch, self._queue = self._queue, []
        if not mine.done:
            try:
                self._commit_batch(batch)
            finally:
                with self._queue_lock:
                    for done in batch:
                        done.done = True
                    self._committing = False
                    self._queue_lock.notify_all()
        return [t.error for t in tickets]

    def _commit_batch(self, batch: list[_Ticket]) -> None:
        try:
            self._commit([t.row for t in batch])
        except Exception:
            for ticket in batch:  # one bad entry (a key used twice) fails alone
                try:
                    self._commit([ticket.row])
                except Exception as exc:
                    ticket.error = exc

    def _commit(self, rows: list[dict[str, Any]]) -> None:
        """Insert ``rows`` in one transaction, on the driver's connection: the statement is
        fixed, and SQLAlchemy's execution path cost more CPU than the insert and the fsync
        (about 0.3 ms of 0.43 ms a commit). A key used twice raises SQLAlchemy's
        ``IntegrityError``, as the Core insert did (a 409 at the door's routes)."""
        values = [tuple(row[c] for c in _INSERT_COLUMNS) for row in rows]
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                cursor.executemany(_INSERT_SQL, values)
                cursor.execute("COMMIT")
            except BaseException:
                if raw.driver_connection is not None and raw.driver_connection.in_transaction:
                    cursor.execute("ROLLBACK")
                raise
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(_INSERT_SQL, values, exc) from exc
        finally:
            raw.close()

    def pending(self, limit: int = 100) -> list[Entry]:
        """Entries not uploaded yet, oldest first."""
        query = select(ENTRIES).where(ENTRIES.c.uploaded_at.is_(None)).order_by(ENTRIES.c.n)
        return self._entries(query.limit(limit))

    def entries(self) -> list[Entry]:
        """Every entry, oldest first."""
        return self._entries(select(ENTRIES).order_by(ENTRIES.c.n))

    def _entries(self, query: Any) -> list[Entry]:
        with self.engine.connect() as conn:
            return [
                Entry(
                    r.n,
                    r.key,
                    r.kind,
                    r.portal_id,
                    json.loads(r.body),
                    datetime.fromisoformat(r.at),
                    datetime.fromisoformat(r.uploaded_at) if r.uploaded_at else None,
                    r.outcome,
                )
                for r in conn.execute(query)
            ]

    def pending_count(self) -> int:
        """How many entries wait for upload."""
        with self.engine.connect() as conn:
            return int(
                conn.scalar(
                    select(func.count()).select_from(ENTRIES).where(ENTRIES.c.uploaded_at.is_(None))
                )
                or 0
            )

    def mark_uploaded(self, key: str, outcome: str) -> None:
        """Note that the server has ``key``, and what it answered."""
        self.mark_many([(key, outcome)])

    def mark_many(self, outcomes: list[tuple[str, str]]) -> None:
        """Note that the server has each key, and what it answered, in one commit."""
        if not outcomes:
            return
        at = format_time(clock.now())
        with self.engine.connect() as conn:
            conn.info["write"] = True
            with conn.begin():
                conn.execute(
                    update(ENTRIES)
                    .where(ENTRIES.c.key == bindparam("entry_key"))
                    .values(uploaded_at=at, outcome=bindparam("entry_outcome")),
                    [{"entry_key": k, "entry_outcome": o} for k, o in outcomes],
                )
        with self._marked:
            self._marked.notify_all()

    def entries_of(self, kind: str, key: str) -> list[Entry]:
        """The entry of ``kind`` with ``key`` (none or one)."""
        return self._entries(select(ENTRIES).where(ENTRIES.c.key == key, ENTRIES.c.kind == kind))

    def requests_since(self, portal_id: str, since: datetime) -> list[Entry]:
        """Requests decided at ``portal_id`` since ``since``, oldest first."""
        return self._entries(
            select(ENTRIES)
            .where(
                ENTRIES.c.kind == REQUEST,
                ENTRIES.c.portal_id == portal_id,
                ENTRIES.c.at >= format_time(since),
            )
            .order_by(ENTRIES.c.n)
        )

    def permits_passed(self) -> set[str]:
        """Decision ids whose passage is journalled (the person went through)."""
        rows = self._entries(select(ENTRIES).where(ENTRIES.c.kind == PASSAGE))
        return {str(e.body.get("decision_id") or "") for e in rows} - {""}

    def permits_spent(self) -> set[str]:
        """Decision ids whose passage is journalled, or whose passage the door refused."""
        rows = self._entries(select(ENTRIES).where(ENTRIES.c.kind.in_((PASSAGE, ALERT))))
        return {str(e.body.get("decision_id") or "") for e in rows} - {""}
