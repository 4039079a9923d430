"""The record over HTTP: a paged, filtered list and a live Server-Sent Events stream."""

from __future__ import annotations

import json
import threading
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from muster.db import Database
from muster.events.bus import Bus, get_bus
from muster.events.chain import GENESIS_HASH
from muster.events.models import Event
from muster.events.rows import rows_head
from muster.events.service import EventFilter, event_to_dict, events_after, last_seq, list_events
from muster.events.visibility import hidden_kinds, is_visible
from muster.ops.metrics import track_live_streams
from muster.policy.actor import Actor
from muster.policy.authorize import authorize
from muster.schemas import INT64_MAX, number_in
from muster.web.deps import CurrentActor, PageDep, SessionDep, get_database
from muster.web.streaming import LiveStreamResponse

router = APIRouter(prefix="/api/v1/events", tags=["events"])
STREAM_BATCH = 500


@router.get("")
def read_events(
    session: SessionDep,
    actor: CurrentActor,
    page: PageDep,
    kind: Annotated[str | None, Query(description="Exact kind, or a prefix ending in '.'")] = None,
    subject: Annotated[str | None, Query(description="Id of a person, portal, ...")] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after_seq: Annotated[int | None, Query(ge=0)] = None,
) -> dict[str, Any]:
    """Events in order, filtered by kind, subject and time range."""
    authorize(actor, "event.read")
    flt = EventFilter(
        kind=kind,
        subject=subject,
        since=since,
        until=until,
        after_seq=after_seq,
        hidden_kinds=hidden_kinds(actor),
    )
    rows, total = list_events(session, flt=flt, limit=page.limit, offset=page.offset)
    return {
        "items": [event_to_dict(r) for r in rows],
        "total": total,
        "limit": page.limit,
        "offset": page.offset,
    }


def format_sse(item: dict[str, Any]) -> bytes:
    """One event in Server-Sent Events framing, named by its kind, as the bytes sent."""
    return f"id: {item['seq']}\nevent: {item['kind']}\ndata: {json.dumps(item)}\n\n".encode()


def format_unnamed(item: dict[str, Any]) -> bytes:
    """One event as an unnamed SSE message (a browser's ``EventSource`` hears every kind as
    ``message``; the data still carries the kind)."""
    return f"id: {item['seq']}\ndata: {json.dumps(item)}\n\n".encode()


Framing = Callable[[dict[str, Any]], bytes]


_open_streams = 0
KEEP_ALIVE = b": keep-alive\n\n"
# A stream asked for heads says the log's head at least this often (a door's freshness
# contract, docs/doors.md): a reader that heard head N has been told of every event to N.
HEAD_EVERY = 0.25


def format_head(seq: int, rows: int) -> bytes:
    """The heartbeat that names the log's head and the row versions' head (``rows``: every
    row change committed before it was read is at or below it): an SSE event without an
    id, so a reader's Last-Event-ID stays the last event it received."""
    return f'event: head\ndata: {{"head": {seq}, "rows": {rows}}}\n\n'.encode()


_streams_changed = threading.Condition()
# Database -> its live streams. Weak keys, not id(): an id is reused once a database is
# gone, and a stream of the old one closing late would then count against the new one.
_streams_by_database: weakref.WeakKeyDictionary[Database, int] = weakref.WeakKeyDictionary()


def open_streams(db: Database | None = None) -> int:
    """How many live streams this process is serving now (on ``db`` alone, if given)."""
    return _open_streams if db is None else _streams_by_database.get(db, 0)


def _count_stream(db: Database, change: int) -> None:
    global _open_streams
    with _streams_changed:
        _open_streams += change
        left = _streams_by_database.get(db, 0) + change
        if left:
            _streams_by_database[db] = left
        else:
            _streams_by_database.pop(db, None)
        _streams_changed.notify_all()


def wait_for_open_streams(count: int, timeout: float, db: Database | None = None) -> bool:
    """Wait until this process serves exactly ``count`` live streams (on ``db`` alone, if
    given); False after ``timeout`` seconds without it (a bound for a caller that must not
    hang)."""
    with _streams_changed:
        return _streams_changed.wait_for(lambda: open_streams(db) == count, timeout)


track_live_streams(open_streams)


def bus_for(db: Database) -> Bus:
    """The wake-up bus of ``db``."""
    return get_bus(str(db.engine.url))


def _read_after(db: Database, after_seq: int) -> tuple[list[dict[str, Any]], str | None]:
    """Events after ``after_seq`` from the log, and the hash the next one must link to.

    With nothing newer, the hash is that of event ``after_seq`` itself, so the reader can
    trust the bus's memory for the very next event instead of reading the log for it.
    """
    with db.session_scope(write=False) as session:
        rows = [event_to_dict(r) for r in events_after(session, seq=after_seq, limit=STREAM_BATCH)]
        if rows:
            return rows, str(rows[-1]["hash"])
        if after_seq == 0:
            return rows, GENESIS_HASH
        return rows, session.scalar(select(Event.hash).where(Event.seq == after_seq))


def _read_rows_head(db: Database) -> int:
    with db.session_scope(write=False) as session:
        return rows_head(session)[0]


# The row versions' head per database, as last read and when: the door streams of a node
# share one read per half heartbeat (like the log's tail, see Bus.refresh_tail).
_rows_heads: dict[str, tuple[float, int]] = {}


async def rows_head_now(db: Database) -> int:
    """The row versions' head, read at most once per ``HEAD_EVERY / 2`` for all streams."""
    key = str(db.engine.url)
    cached = _rows_heads.get(key)
    if cached is not None and time.monotonic() - cached[0] < HEAD_EVERY / 2:
        return cached[1]
    asked = time.monotonic()
    n = await run_in_threadpool(_read_rows_head, db)
    if key not in _rows_heads or _rows_heads[key][0] < asked:
        _rows_heads[key] = (asked, n)
    return n


def _read_tail(db: Database) -> int:
    with db.session_scope(write=False) as session:
        return last_seq(session)


async def event_stream(
    db: Database,
    *,
    start: int,
    heartbeat: float,
    is_disconnected: Callable[[], Awaitable[bool]] | None = None,
    hidden: tuple[str, ...] = (),
    heads: bool = False,
    framing: Framing = format_sse,
) -> AsyncIterator[bytes]:
    """The SSE bytes of every event after ``start``, then of each new one, until disconnect.

    Catch-up reads come from the log; once caught up, new events come from the bus's
    memory when they link to what was sent (hash chain), and from the log otherwise. Per
    console and event the work is a dictionary look-up and one write of bytes encoded once
    for all consoles in each ``framing``, sent past the layers that only read a response's
    start (``muster.web.streaming``). A client that goes away is noticed by the server
    (Starlette cancels the stream) or by a failed write; ``is_disconnected`` is asked only
    on idle heartbeats.
    While idle, one shared read of the log's tail per heartbeat catches writes by other
    processes that did not wake this one. With ``heads``, a ``head`` event names the newest
    seq known and the row versions' head at least every ``HEAD_EVERY`` seconds, busy or
    idle; when idle its seq is the last one sent, after the tail read found nothing newer.
    """
    bus = bus_for(db)
    cursor, last_hash = start, None
    pause = min(heartbeat, HEAD_EVERY) if heads else heartbeat
    head_sent = time.monotonic()
    _count_stream(db, +1)
    try:
        yield f"retry: 2000\n: resuming after {cursor}\n\n".encode()
        while True:
            memory = bus.recent_after(cursor, STREAM_BATCH, last_hash=last_hash)
            if last_hash is None or not memory:
                batch, read_hash = await run_in_threadpool(_read_after, db, cursor)
                last_hash = read_hash or last_hash
            else:
                batch = memory
            for item in batch:
                if not hidden or is_visible(str(item["kind"]), hidden):
                    yield bus.encoded(item, framing)
                cursor, last_hash = int(item["seq"]), str(item["hash"])
            if heads and time.monotonic() - head_sent >= HEAD_EVERY:
                yield format_head(max(cursor, bus.latest_seq), await rows_head_now(db))
                head_sent = time.monotonic()
            full = len(batch) >= STREAM_BATCH
            del batch, memory  # not held while waiting (see Bus.waiter)
            if full:
                continue
            while True:
                waiting, timing = bus.waiter(cursor, pause)  # no coroutine per wait
                try:
                    woken = await waiting
                finally:
                    bus.stop_waiting(waiting, timing)
                if woken:
                    break
                if is_disconnected is not None and await is_disconnected():
                    return
                tail = await bus.refresh_tail(partial(_read_tail, db), pause / 2)
                if heads:
                    yield format_head(max(cursor, tail), await rows_head_now(db))
                    head_sent = time.monotonic()
                else:
                    yield KEEP_ALIVE
                if tail > cursor:
                    break
    finally:
        _count_stream(db, -1)


@router.get("/stream")
async def stream_events(
    request: Request,
    actor: CurrentActor,
    last_event_id: Annotated[str | None, Header()] = None,
    after: Annotated[int | None, Query(ge=0, description="Resume after this seq")] = None,
    heads: Annotated[
        bool, Query(description="Also send a 'head' event naming the log's head every 250 ms")
    ] = False,
) -> LiveStreamResponse:
    """Live events. Reconnect with ``Last-Event-ID`` to resume with nothing lost or repeated.

    Without either, the stream starts at the newest event. The stream ends when the client
    goes away. Door controllers ask for ``heads`` (docs/doors.md).
    """
    return await live_stream(request, actor, last_event_id=last_event_id, after=after, heads=heads)


async def live_stream(
    request: Request,
    actor: Actor,
    *,
    last_event_id: str | None,
    after: int | None,
    heads: bool = False,
    framing: Framing = format_sse,
) -> LiveStreamResponse:
    """The record's live stream for ``actor``, who must be allowed to read the record."""
    authorize(actor, "event.read")
    return await open_stream(
        request, actor, last_event_id=last_event_id, after=after, heads=heads, framing=framing
    )


async def open_stream(
    request: Request,
    actor: Actor,
    *,
    last_event_id: str | None,
    after: int | None,
    heads: bool = False,
    framing: Framing = format_sse,
) -> LiveStreamResponse:
    """The live stream for an actor already authorized to follow it (the record's stream,
    or a door's heads stream, ``/api/v1/doors/stream``), from ``Last-Event-ID``, else
    ``after``, else the newest event; only the kinds ``actor`` may read, each event framed
    by ``framing`` and encoded once for every reader."""
    db = get_database(request)
    heartbeat = request.app.state.settings.sse_heartbeat_seconds
    resume = number_in(last_event_id or "", maximum=INT64_MAX)
    if resume is not None:
        start = resume
    elif after is not None:
        start = after
    else:
        start = await run_in_threadpool(_read_tail, db)
    return LiveStreamResponse(
        event_stream(
            db,
            start=start,
            heartbeat=heartbeat,
            is_disconnected=request.is_disconnected,
            hidden=hidden_kinds(actor),
            heads=heads,
            framing=framing,
        ),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
