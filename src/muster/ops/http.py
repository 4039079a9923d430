"""Per-request plumbing for every response: request id, security headers, metrics, access log.

One pure ASGI middleware, outermost, so it sees every request (errors, 413s and streams
included) and no response leaves without its headers:

- ``X-Request-ID``: taken from the request when it is a short token (nginx can pass its
  ``$request_id``), otherwise made up; echoed on the response and put in every log line.
- Security headers: a Content-Security-Policy that allows no inline script and no framing,
  ``nosniff``, no referrer.
- Latency per route template into ``muster_http_request_seconds`` (time to the first byte,
  so a live stream counts its start, not its whole life).
"""

from __future__ import annotations

import re
import time
import uuid
from http.cookies import SimpleCookie
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from muster.ops import context
from muster.ops.logs import get_logger
from muster.ops.metrics import HTTP_LATENCY

REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
_access_log = get_logger("muster.http")


def request_id_from(headers: dict[bytes, bytes]) -> str:
    """The caller's request id if it is a safe short token, else a new one."""
    given = headers.get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1").strip()
    return given if _VALID_REQUEST_ID.match(given) else uuid.uuid4().hex


def _cookie(headers: dict[bytes, bytes], name: str) -> str:
    raw = headers.get(b"cookie", b"").decode("latin-1")
    if not raw:
        return ""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # a malformed cookie header is the client's problem, not ours
        return ""
    morsel = jar.get(name)
    return morsel.value if morsel is not None else ""


def _route_of(scope: Scope) -> str:
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "(unmatched)"


class RequestPlumbing:
    """ASGI middleware adding the request id, security headers, metrics and an access log."""

    def __init__(self, app: ASGIApp, *, session_cookie: str = "muster_session") -> None:
        self.app = app
        self.session_cookie = session_cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", ()))
        client = scope.get("client")
        ctx = context.RequestContext(
            request_id=request_id_from(headers),
            client_address=str(client[0]) if client else "",
            session_cookie=_cookie(headers, self.session_cookie),
        )
        token = context.enter(ctx)
        started = time.perf_counter()
        status = 0

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                present = {k.lower() for k, _ in message.get("headers", ())}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                extra.append((REQUEST_ID_HEADER.encode(), ctx.request_id.encode()))
                message["headers"] = [*message.get("headers", ()), *extra]
                HTTP_LATENCY.labels(
                    method=scope.get("method", "WS"),
                    route=_route_of(scope),
                    status=f"{status // 100}xx",
                ).observe(time.perf_counter() - started)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            if scope["type"] == "http":
                _access_log.info(
                    "request",
                    method=scope.get("method"),
                    path=scope.get("path"),
                    route=_route_of(scope),
                    status=status or 500,
                    ms=round((time.perf_counter() - started) * 1000, 2),
                    client=ctx.client_address,
                )
            context.leave(token)
