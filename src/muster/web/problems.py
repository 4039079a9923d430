"""Errors as RFC 9457 problem+json, with a message a person can act on."""

from __future__ import annotations

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
    location = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
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
    """ASGI middleware: refuse request bodies over ``limit`` bytes with 413, before any change.

    A declared Content-Length over the limit is refused at once. Bodies without one
    (chunked) are counted as they are read; passing the limit raises an HTTP 413 inside
    the body read, so the endpoint never runs.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    def _too_large(self) -> str:
        return f"the request body must be at most {self.limit} bytes"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", ())).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await problem(413, "Body too large", self._too_large())(scope, receive, send)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise StarletteHTTPException(413, self._too_large())
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except StarletteHTTPException as exc:
            if exc.status_code != 413 or started:
                raise
            await problem(413, "Body too large", self._too_large())(scope, receive, send)
