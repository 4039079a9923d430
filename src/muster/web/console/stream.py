"""The console's live feed: the event stream of ``/api/v1/events/stream`` as plain messages.

The API names each SSE event by its kind, and a browser's ``EventSource`` can only listen
for names it knows in advance. The console wants every kind (new domains add kinds), so
this wraps the same stream, with the same resume by ``Last-Event-ID``, and drops the names:
every event then arrives as a ``message`` whose data carries its kind.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse

from muster.events.api import stream_events
from muster.web.console.viewer import ViewerDep

router = APIRouter()


def unnamed(frame: str) -> str:
    """One SSE frame without its ``event:`` line."""
    return "\n".join(line for line in frame.split("\n") if not line.startswith("event: "))


@router.get("/console/stream")
async def console_stream(
    request: Request,
    viewer: ViewerDep,
    last_event_id: Annotated[str | None, Header()] = None,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> StreamingResponse:
    """Every event after ``Last-Event-ID`` (or ``after``), live, as unnamed SSE messages."""
    inner = await stream_events(request, viewer.actor, last_event_id=last_event_id, after=after)

    async def frames() -> AsyncIterator[str]:
        async for chunk in inner.body_iterator:
            text = chunk if isinstance(chunk, str) else bytes(chunk).decode()
            yield unnamed(text)

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(frames(), media_type="text/event-stream", headers=headers)
