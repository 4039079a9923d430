"""Live streams' body chunks go straight to the server, past layers that only read the start.

Every layer between the server and a route (Starlette's and FastAPI's own, and Muster's
``RequestPlumbing`` and ``BodyLimit``) acts on a response's start message (status,
headers, metrics, the request id) and on its last body message (telemetry), and passes
every body message in between through unchanged. For a live stream that pass-through is
one coroutine call per layer per event per console: most of the per-event cost of a
thousand consoles beyond the server's own socket write (docs/benchmarks.md).

``DirectBodies``, outermost, keeps the server's ``send`` in the scope; a
``LiveStreamResponse`` sends its start and its end through the whole stack, as any
response does, and its body chunks to that ``send``. The app adds ``DirectBodies`` only
while every middleware it was given is one of ``START_ONLY``, so a layer added later that
rewrites bodies (compression, say) turns the shortcut off instead of being skipped.
Authentication, input limits and visibility are untouched: they run before the first
byte, in the route.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.middleware import Middleware
from starlette.responses import StreamingResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from muster.ops.http import RequestPlumbing
from muster.web.problems import BodyLimit

SERVER_SEND = "muster.server_send"
# Muster's middlewares that pass body messages through untouched (see the module's doc).
START_ONLY: frozenset[Any] = frozenset({RequestPlumbing, BodyLimit})


def bodies_pass_through(middleware: Iterable[Middleware]) -> bool:
    """True when every one of the app's own middlewares leaves body messages as they are."""
    return all(m.cls in START_ONLY for m in middleware)


class DirectBodies:
    """Outermost ASGI layer: keeps the server's own ``send`` in an HTTP request's scope."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope[SERVER_SEND] = send
        await self.app(scope, receive, send)


class LiveStreamResponse(StreamingResponse):
    """A streaming response whose body chunks skip the pass-through layers when it may."""

    server_send: Send | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.server_send = scope.get(SERVER_SEND)
        await super().__call__(scope, receive, send)

    async def stream_response(self, send: Send) -> None:
        start = {"type": "http.response.start", "status": self.status_code}
        await send({**start, "headers": self.raw_headers})
        body = self.server_send or send
        async for chunk in self.body_iterator:
            data = chunk if isinstance(chunk, bytes | memoryview) else chunk.encode(self.charset)
            await body({"type": "http.response.body", "body": data, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
