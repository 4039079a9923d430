"""The record over HTTP: a paged, filtered list and a live Server-Sent Events stream."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from muster.db import Database
from muster.events.bus import Bus, get_bus
from muster.events.chain import GENESIS_HASH
from muster.events.models import Event
from muster.events.service import EventFilter, event_to_dict, events_after, last_seq, list_events
from muster.events.visibility import hidden_kinds, is_visible
from muster.ops.metrics import track_live_streams
from muster.policy.authorize import authorize
from muster.web.deps import CurrentActor, PageDep, SessionDep, get_database

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
    """One event in Server-Sent Events framing, as the bytes sent."""
    return f"id: {item['seq']}\nevent: {item['kind']}\ndata: {json.dumps(item)}\n\n".encode()


_open_streams = 0
KEEP_ALIVE = b": keep-alive\n\n"


def open_streams() -> int:
    """How many live streams this process is serving now."""
    return _open_streams


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
) -> AsyncIterator[bytes]:
    """The SSE bytes of every event after ``start``, then of each new one, until disconnect.

    Catch-up reads come from the log; once caught up, new events come from the bus's
    memory when they link to what was sent (hash chain), and from the log otherwise. Per
    console and event the work is a dictionary look-up and one write of bytes encoded once
    for all consoles. A client that goes away is noticed by the server (Starlette cancels
    the stream) or by a failed write; ``is_disconnected`` is asked only on idle heartbeats.
    While idle, one shared read of the log's tail per heartbeat catches writes by other
    processes that did not wake this one.
    """
    global _open_streams
    bus = bus_for(db)
    cursor, last_hash = start, None
    _open_streams += 1
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
                    yield bus.encoded(item, format_sse)
                cursor, last_hash = int(item["seq"]), str(item["hash"])
            if len(batch) >= STREAM_BATCH:
                continue
            while not await bus.wait(cursor, heartbeat):
                if is_disconnected is not None and await is_disconnected():
                    return
                yield KEEP_ALIVE
                if await bus.refresh_tail(partial(_read_tail, db), heartbeat / 2) > cursor:
                    break
    finally:
        _open_streams -= 1


@router.get("/stream")
async def stream_events(
    request: Request,
    actor: CurrentActor,
    last_event_id: Annotated[str | None, Header()] = None,
    after: Annotated[int | None, Query(ge=0, description="Resume after this seq")] = None,
) -> StreamingResponse:
    """Live events. Reconnect with ``Last-Event-ID`` to resume with nothing lost or repeated.

    Without either, the stream starts at the newest event. The stream ends when the client
    goes away.
    """
    authorize(actor, "event.read")
    db = get_database(request)
    heartbeat = request.app.state.settings.sse_heartbeat_seconds
    if last_event_id is not None and last_event_id.strip().isdigit():
        start = int(last_event_id.strip())
    elif after is not None:
        start = after
    else:

        def _tail() -> int:
            with db.session_scope(write=False) as session:
                return last_seq(session)

        start = await run_in_threadpool(_tail)
    return StreamingResponse(
        event_stream(
            db,
            start=start,
            heartbeat=heartbeat,
            is_disconnected=request.is_disconnected,
            hidden=hidden_kinds(actor),
        ),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
