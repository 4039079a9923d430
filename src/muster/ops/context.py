"""What the current request is: its id, the client's address and its console cookie.

Set by the HTTP middleware (``muster.ops.http``) for the length of one request, so that
services (sign-in throttling, session rotation) and log lines can use them without every
route passing them down. Outside a request they are empty.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    """The request being served."""

    request_id: str = ""
    client_address: str = ""
    session_cookie: str = ""


_EMPTY = RequestContext()
_current: ContextVar[RequestContext | None] = ContextVar("muster_request", default=None)


def current() -> RequestContext:
    """The request being served, or an empty context outside a request."""
    return _current.get() or _EMPTY


def enter(ctx: RequestContext) -> object:
    """Make ``ctx`` current; returns a token for ``leave``."""
    return _current.set(ctx)


def leave(token: object) -> None:
    """Restore the context that was current before ``enter``."""
    _current.reset(token)  # type: ignore[arg-type]
