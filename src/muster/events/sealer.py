"""The sealer: sequences and chains events that writers committed unsealed.

A writer that appends with ``append_event(..., defer_seal=True)`` inserts its events into
``pending_events`` in its own transaction, without the chain lock, so writers commit
concurrently. One sealer per database then moves them into ``events`` in batches: under the
chain lock it reads the head, gives each pending event the next ``seq``, chains its hash,
inserts it and deletes the pending row, all in one transaction. A batch is sealed whole or
not at all, so a sealer killed mid-batch loses nothing and seals nothing twice: the rows
stay pending for the next sealer. After the commit it wakes this node's streams (the bus)
and, on PostgreSQL, every node (``NOTIFY muster_events``).

PostgreSQL: the sealer of each node tries a session-level advisory lock; the node that
holds it seals, the others stand by and retry, and take over within ``STANDBY_RETRY``
seconds when the holder's connection ends (its process died). ``muster serve`` starts a
sealer process of its own first (events/seal_process.py), which leads while it lives.
Writers of the leader's process wake it through a pipe, those of its node through a FIFO,
and all others with ``NOTIFY muster_pending`` at commit. SQLite: each process seals for
itself; ``BEGIN IMMEDIATE`` serialises sealers of several processes on one file, and the move from
``pending_events`` keeps each event sealed once. Correctness never rests on there being a
single sealer: the chain lock does that; the leader lock only saves work.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select as io_select
import threading
import time
from collections import deque
from typing import Any, cast

from sqlalchemy import Engine, Table, delete, insert, select, text, true
from sqlalchemy.engine import Connection

from muster.events.batches import (
    BATCH,
    EVENTS_CHANNEL,
    PG_APPEND_LOCK,
    chain_pending,
    seal_postgres,
    subject_rows,
)
from muster.events.bus import get_bus
from muster.events.chain import wire_form
from muster.events.models import Event, EventSubject, PendingEvent
from muster.events.seal_process import SealerLink
from muster.ops.metrics import count_committed

log = logging.getLogger(__name__)

# Advisory lock keys: the chain's append lock (transaction-scoped, shared with
# events/service.py) and the sealer's leadership (session-scoped, one holder per database).
PG_SEALER_LOCK = 0x6D75737466
PENDING_CHANNEL = "muster_pending"
STANDBY_RETRY = 0.5  # seconds between a standby's attempts at the leadership lock
IDLE_POLL = 0.25  # seconds a leader waits for a wake-up before looking anyway
IDLE_EXIT = 30.0  # seconds without work after which the thread ends (started again on demand)
LINK_LOOK = 0.05  # seconds between a waiter's looks at the table while the node's sealer
# process leads (it may have died)

_EVENTS = cast(Table, Event.__table__)
_SUBJECTS = cast(Table, EventSubject.__table__)
_PENDING = cast(Table, PendingEvent.__table__)
_HEAD = (
    select(_EVENTS.c.seq.label("head_seq"), _EVENTS.c.hash.label("head_hash"))
    .order_by(_EVENTS.c.seq.desc())
    .limit(1)
    .subquery()
)
# The pending batch, each row with the chain's head beside it: one round trip.
_SELECT_PENDING = (
    select(_PENDING, _HEAD.c.head_seq, _HEAD.c.head_hash)
    .outerjoin(_HEAD, true())
    .order_by(_PENDING.c.id)
    .limit(BATCH)
)
_ANY_PENDING = select(_PENDING.c.id).limit(1)
_TRY_LEAD = text("SELECT pg_try_advisory_lock(:k)")
_LOCK_CHAIN = text("SELECT pg_advisory_xact_lock(:k)")
_NOTIFY = text("SELECT pg_notify(:c, :s)")


def seal_batch(conn: Connection, *, probe: bool = True) -> tuple[list[dict[str, Any]], list[int]]:
    """Seal up to ``BATCH`` pending events in one transaction on ``conn``; return them.

    The caller's connection must not be in a transaction (SQLite: its engine begins with
    ``BEGIN IMMEDIATE``). Returns the sealed events in their wire form, oldest first, and
    the pending ids they had. ``probe``: on PostgreSQL, look for pending rows before taking
    the chain lock (an idle sealer's look then costs one read, not a locked transaction).
    A PostgreSQL node's sealer seals with ``batches.seal_postgres`` instead (two round trips).
    """
    postgres = conn.dialect.name == "postgresql"
    if postgres and probe:
        found = conn.execute(_ANY_PENDING).first()
        conn.rollback()
        if found is None:
            return [], []
    with conn.begin():
        if postgres:  # taken before the read below, which then sees the head it must extend
            conn.execute(_LOCK_CHAIN, {"k": PG_APPEND_LOCK})
        pending = conn.execute(_SELECT_PENDING).mappings().all()
        if not pending:
            return [], []
        values = chain_pending(pending, pending[0]["head_seq"], pending[0]["head_hash"])
        rows = subject_rows(values)
        conn.execute(insert(_EVENTS), values)
        if rows:
            conn.execute(insert(_SUBJECTS), rows)
        ids = [row["id"] for row in pending]
        conn.execute(delete(_PENDING).where(_PENDING.c.id.in_(ids)))
        if postgres:
            conn.execute(_NOTIFY, {"c": EVENTS_CHANNEL, "s": str(values[-1]["seq"])})
    return [wire_form(v) for v in values], ids


class Sealer:
    """The sealer thread of one process for one database, started on demand."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"
        self._bus = get_bus(str(engine.url))
        self._cond = threading.Condition()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._passes_begun = 0
        self._drained_pass = 0  # the last pass that left the pending table empty
        self._committed_at: dict[int, float] = {}
        self.leader = False
        self.keep = False  # a server node's sealer never ends for being idle
        self.sealed = 0
        self.delays: deque[float] = deque(maxlen=200_000)  # commit to seal, seconds
        # The node's link (events/seal_process.py): read while this process leads; a writer
        # of another process of the node wakes and waits through it.
        self._link = SealerLink.from_environment() if self._postgres else None

    def ensure_running(self, *, keep: bool = False) -> None:
        """Start the thread if it is not running; ``keep``: never end it for idleness."""
        with self._cond:
            self.keep = self.keep or keep
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(target=self._run, name="muster-sealer", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        """Stop the thread and wait for it (its batch, if any, commits or rolls back)."""
        self._stop.set()
        self.keep = False
        self.wake()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=10)

    def wake(self) -> None:
        """Wake this process's sealer (another node's is woken by ``NOTIFY``)."""
        with contextlib.suppress(BlockingIOError):
            os.write(self._wake_w, b"!")

    def node_leads(self) -> bool:
        """Whether this process or its node's sealer process leads (a writer then needs no
        NOTIFY: it wakes the leader after its commit)."""
        return self.leader or (self._link is not None and self._link.leads())

    def committed(self, pending_ids: list[int]) -> None:
        """A writer committed ``pending_ids``: note the time (seal delay), wake the sealer."""
        now = time.perf_counter()
        with self._cond:
            if len(self._committed_at) > 100_000:  # sealed by another node: not ours to time
                self._committed_at.clear()
            for pending_id in pending_ids:
                self._committed_at[pending_id] = now
        self.ensure_running()
        if not self.leader and self._link is not None:
            self._link.wake()
        self.wake()

    def wait_sealed(self, pending_ids: list[int], timeout: float) -> bool:
        """Wait until the events committed as ``pending_ids`` are sealed; False on timeout.

        Called after the writer's commit. When this process leads, a pass begun after the
        commit that left the pending table empty has sealed them. When the node's sealer
        process leads, the same is read from its counts (and the table looked at now and
        then, in case it died). Otherwise the table is polled (another node seals).
        """
        deadline = time.perf_counter() + timeout
        with self._cond:
            begun = self._passes_begun
        link = self._link
        link_begun = link.counters()[1] if link is not None else -1
        self.committed(pending_ids)
        backoff = 0.001
        look_at = time.perf_counter() + LINK_LOOK if self.node_leads() else 0.0
        while True:
            with self._cond:
                if self._drained_pass > begun:
                    return True
                if self.leader:
                    remaining = deadline - time.perf_counter()
                    if remaining <= 0:
                        return False
                    self._cond.wait(min(remaining, IDLE_POLL))
                    continue
            now = time.perf_counter()
            if now >= look_at:  # another node seals, or this node's sealer process died
                if not self._still_pending(pending_ids):
                    return True
                look_at = now + LINK_LOOK
            if now >= deadline:
                return False
            wait = min(LINK_LOOK, deadline - now)
            if link is not None and link.wait_drained(link_begun, wait):
                return True
            if link is None or not link.counters()[0]:  # nobody of this node leads
                time.sleep(backoff)
                backoff = min(backoff * 2, 0.02)
                look_at = 0.0
            self.ensure_running()

    def _still_pending(self, pending_ids: list[int]) -> bool:
        with self._engine.connect() as conn:
            found = conn.execute(
                select(_PENDING.c.id).where(_PENDING.c.id.in_(pending_ids)).limit(1)
            ).first()
        return found is not None

    def _run(self) -> None:
        backoff = 0.1
        idle_since = time.monotonic()
        while not self._stop.is_set():
            try:
                if self._postgres:
                    self._run_postgres()
                else:
                    self._run_sqlite()
                return
            except Exception as exc:  # the database went away: retry, or end when idle
                self._set_leader(False)
                if self._idle_too_long(idle_since):
                    return
                log.warning("sealer lost the database (%s); retrying", exc)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 2.0)

    def _idle_too_long(self, since: float) -> bool:
        return not self.keep and time.monotonic() - since > IDLE_EXIT

    def _set_leader(self, leader: bool) -> None:
        with self._cond:
            if self._link is not None:
                try:
                    self._link.lead(leader)
                except OSError:  # the node's folder is gone: seal without it
                    self._link = None
            self.leader = leader
            self._cond.notify_all()

    def _run_sqlite(self) -> None:
        bind = self._engine.execution_options(sqlite_begin="BEGIN IMMEDIATE")
        with bind.connect() as conn:
            self._set_leader(True)
            try:
                self._lead(conn, None)
            finally:
                self._set_leader(False)

    def _run_postgres(self) -> None:
        with self._engine.connect() as conn:
            try:
                self._stand_by_then_lead(conn)
            finally:
                # Closed for real, not pooled: the leadership lock and LISTEN end with it.
                conn.invalidate()

    def _stand_by_then_lead(self, conn: Connection) -> None:
        raw = conn.connection.driver_connection
        conn.exec_driver_sql(f"LISTEN {PENDING_CHANNEL}")
        conn.commit()
        idle_since = time.monotonic()
        while not self._stop.is_set():
            got = conn.execute(_TRY_LEAD, {"k": PG_SEALER_LOCK}).scalar()
            conn.commit()
            if self._link is not None:
                self._link.tried()
            if got:
                break
            if self._idle_too_long(idle_since):
                return
            self._stop.wait(STANDBY_RETRY)
        else:
            return
        self._set_leader(True)
        try:
            self._lead(conn, raw)
        finally:
            self._set_leader(False)

    def _wait(self, raw: Any, timeout: float) -> bool:
        """Sleep until woken: by this process (the pipe) or, on PostgreSQL, a NOTIFY.
        Whether something woke it (False: the timeout ran out)."""
        if raw is not None and any(True for _ in raw.notifies(timeout=0)):
            return True  # notifications that arrived during the last pass
        watched = [self._wake_r] + ([raw.fileno()] if raw is not None else [])
        link_fd = self._link.wake_fd if self._link is not None else None
        if link_fd is not None:
            watched.append(link_fd)
        ready, _w, _x = io_select.select(watched, [], [], timeout)
        with contextlib.suppress(BlockingIOError):
            os.read(self._wake_r, 4096)
        if self._link is not None:
            self._link.drain()
        if raw is not None and ready:
            for _note in raw.notifies(timeout=0):
                pass
        return bool(ready)

    def _lead(self, conn: Connection, raw: Any) -> None:
        """Seal until stopped, or until idle for ``IDLE_EXIT`` seconds.

        PostgreSQL (``raw``, the driver connection, which the sealer then owns): passes run
        in autocommit mode with the transaction written out (``batches.seal_postgres``).
        """
        if raw is not None:
            raw.autocommit = True
        idle_since = time.monotonic()
        probe = True  # look before locking only when nothing said there is work
        while not self._stop.is_set():
            with self._cond:
                self._passes_begun += 1
                this_pass = self._passes_begun
                link_pass = self._link.begin_pass() if self._link is not None else 0
            if raw is not None:
                sealed, ids = seal_postgres(raw, probe=probe)
            else:
                sealed, ids = seal_batch(conn, probe=probe)
            done = time.perf_counter()
            if sealed:
                self.sealed += len(sealed)
                self._bus.publish(sealed)
                idle_since = time.monotonic()
            with self._cond:
                for pending_id in ids:
                    at = self._committed_at.pop(pending_id, None)
                    if at is not None:
                        self.delays.append(done - at)
                if len(sealed) < BATCH:
                    self._drained_pass = this_pass
                    if self._link is not None:
                        self._link.drained(link_pass)
                self._cond.notify_all()
            if sealed:
                count_committed(sealed)
            if len(sealed) == BATCH:  # more may be waiting: look again at once
                probe = False
                continue
            if not sealed and self._idle_too_long(idle_since):
                return
            # Writers of this node wake the pipe after their commit, others NOTIFY: events
            # committed during this pass are announced, so sleep until told.
            probe = not self._wait(raw, IDLE_POLL)


_sealers: dict[str, Sealer] = {}
_sealers_lock = threading.Lock()


def sealer_for(engine: Engine) -> Sealer:
    """This process's sealer for the database of ``engine`` (one per URL)."""
    key = engine.url.render_as_string(hide_password=False)
    with _sealers_lock:
        sealer = _sealers.get(key)
        if sealer is None:
            sealer = _sealers[key] = Sealer(engine)
        elif not _alive(sealer):  # a later engine for the same database: use the live one
            sealer._engine = engine
        return sealer


def _alive(sealer: Sealer) -> bool:
    thread = sealer._thread
    return thread is not None and thread.is_alive()


def stop_sealers() -> None:
    """Stop every sealer of this process (tests, and a node shutting down)."""
    with _sealers_lock:
        sealers = list(_sealers.values())
        _sealers.clear()
    for sealer in sealers:
        with contextlib.suppress(Exception):
            sealer.stop()
