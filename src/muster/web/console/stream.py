"""The console's live feed: the event stream of ``/api/v1/events/stream`` as plain messages.

The API names each SSE event by its kind, and a browser's ``EventSource`` can only listen
for names it knows in advance. The console wants every kind (new domains add kinds), so
this serves the same stream, with the same resume by ``Last-Event-ID`` and the same
visibility, without the names: every event then arrives as a ``message`` whose data
carries its kind. Each event is framed so once for every console, not once per console.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request

from muster.events.api import format_unnamed, live_stream
from muster.web.console.viewer import ViewerDep
from muster.web.streaming import LiveStreamResponse

router = APIRouter()


@router.get("/console/stream")
async def console_stream(
    request: Request,
    viewer: ViewerDep,
    last_event_id: Annotated[str | None, Header()] = None,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> LiveStreamResponse:
    """Every event after ``Last-Event-ID`` (or ``after``), live, as unnamed SSE messages."""
    return await live_stream(
        request, viewer.actor, last_event_id=last_event_id, after=after, framing=format_unnamed
    )
