"""Errors as RFC 9457 problem+json, with a message a person can act on."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from muster.errors import DomainError

PROBLEM_TYPE = "application/problem+json"


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    """A problem+json response."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    body["detail"] = detail
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_TYPE)


def _describe(error: dict[str, Any]) -> dict[str, Any]:
    location = ".".join(str(part) for part in error.get("loc", ()))
    kind = error.get("type", "")
    if kind == "json_invalid":
        message = "the request body is not valid JSON: " + str(error.get("ctx", {}).get("error"))
    elif kind == "extra_forbidden":
        message = "unknown field; remove it (see /openapi.json for the accepted fields)"
    else:
        message = str(error.get("msg", "invalid value"))
    return {"field": location or "(body)", "message": message}


def install_problem_handlers(app: FastAPI) -> None:
    """Map domain errors, validation errors and HTTP errors to problem+json."""

    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> JSONResponse:
        response = problem(exc.status, exc.title, exc.message, **exc.details)
        # A 401 carries its challenge (RFC 9110 section 11.6.1, RFC 6750 section 3).
        response.headers.update(getattr(exc, "headers", None) or {})
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [_describe(dict(e)) for e in exc.errors()]
        if any(e["message"].startswith("the request body is not valid JSON") for e in errors):
            return problem(400, "Malformed JSON", errors[0]["message"], errors=errors)
        summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        return problem(422, "Invalid input", summary, errors=errors)

    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, _exc: IntegrityError) -> JSONResponse:
        # A safety net: services should check references themselves and say which one.
        return problem(
            409,
            "Conflict",
            "the request refers to a record that does not exist, or clashes with one that "
            "does; check the ids sent",
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else "request refused"
        response = problem(exc.status_code, "Request refused", detail)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response


class BodyLimit:
    """ASGI middleware: bound each request body's size, the time to read it, and how many
    requests read a body at once; refused before the endpoint changes anything.

    A declared Content-Length over ``limit`` is refused at once (413). Bodies without one
    (chunked) are counted as they are read; passing the limit raises an HTTP 413 inside the
    body read, so the endpoint never runs. A body not complete ``read_seconds`` after the
    request began is answered 408 and its connection closed: a client that sends headers
    and then trickles or stalls cannot hold a connection open. At most ``readers``
    requests of this process wait for their bodies at once; one more is answered 503 at
    once, so stalled bodies cannot take every connection the server has.
    """

    def __init__(
        self, app: ASGIApp, limit: int, read_seconds: float = 10.0, readers: int = 100
    ) -> None:
        self.app = app
        self.limit = limit
        self.read_seconds = read_seconds
        self.readers = readers
        self.reading = 0  # requests of this process whose body is not complete yet

    def _too_large(self) -> str:
        return f"the request body must be at most {self.limit} bytes"

    def _too_slow(self) -> str:
        return f"the request body was not complete within {self.read_seconds:g} seconds"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", ()))
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _closing(problem(413, "Body too large", self._too_large()))(scope, receive, send)
            return
        has_body = b"transfer-encoding" in headers or (declared or b"0") != b"0"
        if has_body and self.reading >= self.readers:
            busy = problem(
                503, "Server busy", "too many requests are sending bodies; retry shortly"
            )
            busy.headers["Retry-After"] = "1"
            await _closing(busy)(scope, receive, send)
            return
        deadline = asyncio.get_running_loop().time() + self.read_seconds
        received = 0
        started = False
        complete = not has_body  # the whole body has been read
        holding = has_body  # this request holds one of the reader slots
        self.reading += holding

        def release() -> None:
            nonlocal holding
            if holding:
                holding = False
                self.reading -= 1

        async def bounded_receive() -> Message:
            nonlocal received, complete
            if complete:  # later reads only wait for a disconnect (live streams)
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                release()
                raise StarletteHTTPException(408, self._too_slow()) from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                complete = True
                release()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise StarletteHTTPException(413, self._too_large())
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if not complete:
                    # Answered before its body was read: close the connection after the
                    # answer rather than keep it for a client that may never finish.
                    message = {**message, "headers": [*message.get("headers", ()), _CLOSE]}
            await send(message)

        try:
            await self.app(scope, bounded_receive, tracked_send)
        except StarletteHTTPException as exc:
            if exc.status_code not in (408, 413) or started:
                raise
            title = "Body too slow" if exc.status_code == 408 else "Body too large"
            await problem(exc.status_code, title, str(exc.detail))(scope, receive, tracked_send)
        finally:
            release()


_CLOSE = (b"connection", b"close")


def _closing(response: JSONResponse) -> JSONResponse:
    response.headers["Connection"] = "close"
    return response
