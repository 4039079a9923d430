"""The readers' two POST routes without FastAPI's per-request machinery (the door's hot path).

``ReaderPath`` is ASGI middleware in front of the door's FastAPI app. For ``POST
/api/v1/portals/{portal}/requests`` and ``.../passages`` it runs what FastAPI would run,
with the same functions: the route's own path match, ``check_input_limits``, the reader's
sign-in (``signed_in``), the body validated by the route's pydantic model, the
``Idempotency-Key`` by the route's own header field; then the controller. A request is
decided on the decision thread (``Decider``: group commit), a passage in a worker thread.

It decides no refusal of its own. Whenever one of those checks does not pass, the request
goes to the FastAPI app unchanged, with the body already read, and FastAPI answers it
(400, 401, 422, in the problem+json shape ``install_problem_handlers`` gives); an error
the controller raises (404, 409, 422) is answered by the app's own exception handlers.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.utils import request_params_to_args
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from muster.access.schemas import AccessRequestIn, PassageIn
from muster.door.controller import DoorController
from muster.door.decider import Decider
from muster.web.limits import check_input_limits

REQUESTS_PATH = "/api/v1/portals/{portal_id}/requests"
PASSAGES_PATH = "/api/v1/portals/{portal_id}/passages"


class _NotSure(Exception):
    """A check did not pass: FastAPI answers the request."""


class ReaderPath:
    """ASGI middleware answering the readers' requests and passages (see the module)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        door_app: FastAPI,
        door: DoorController,
        decider: Decider,
        signed_in: Callable[[str], bool],
    ) -> None:
        self.app = app
        self.door_app = door_app
        self.door = door
        self.decider = decider
        self.signed_in = signed_in
        self._routes: list[APIRoute] | None = None

    def _hot_routes(self) -> list[APIRoute]:
        if self._routes is None:
            paths = (REQUESTS_PATH, PASSAGES_PATH)
            self._routes = [
                r for r in self.door_app.routes if isinstance(r, APIRoute) and r.path in paths
            ]
        return self._routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        for route in self._hot_routes():
            match, child = route.matches(scope)
            if match == Match.FULL:
                break
        else:
            await self.app(scope, receive, send)
            return
        messages = await _read_body(receive)
        request = Request({**scope, **child}, _replay(messages, receive))
        try:
            response = await self._answer(route, request)
        except _NotSure:
            await self.app(scope, _replay(messages, receive), send)
            return
        await response(scope, receive, send)

    async def _answer(self, route: APIRoute, request: Request) -> Response:
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/json":  # FastAPI's rules for other types are its own
            raise _NotSure
        try:
            await check_input_limits(request)
            body = await request.json()
            if not self.signed_in(request.headers.get("authorization", "")):
                raise _NotSure
            portal_id = str(request.path_params["portal_id"])
            if route.path == REQUESTS_PATH:
                asked = AccessRequestIn.model_validate(body)
                decide = self._request(portal_id, asked)
            else:
                passage = PassageIn.model_validate(body)
                headers, errors = request_params_to_args(
                    route.dependant.header_params, request.headers
                )
                if errors:
                    raise _NotSure
                decide = self._passage(portal_id, passage, str(headers["idempotency_key"]))
        except (RequestValidationError, ValidationError, ValueError, ClientDisconnect) as exc:
            raise _NotSure from exc
        try:
            return await decide
        except Exception as exc:
            handler = _handler_for(self.door_app, exc)
            if handler is None:
                raise
            answer = handler(request, exc)
            response: Response = await answer if inspect.isawaitable(answer) else answer
            return response

    async def _request(self, portal_id: str, asked: AccessRequestIn) -> Response:
        answer = await self.decider.decide(
            portal_id=portal_id, person_refs=asked.persons, direction=asked.direction
        )
        return JSONResponse(answer)

    async def _passage(self, portal_id: str, passage: PassageIn, key: str) -> Response:
        recorded, created = await run_in_threadpool(
            self.door.record_passage,
            portal_id=portal_id,
            person_ref=passage.person,
            direction=passage.direction,
            idempotency_key=key,
        )
        return JSONResponse(recorded, status_code=201 if created else 200)


def _handler_for(app: FastAPI, exc: Exception) -> Any:
    """The app's exception handler for ``exc`` (by its classes, nearest first), as
    Starlette's ExceptionMiddleware finds it; None for one it does not handle (a 500)."""
    for cls in type(exc).__mro__:
        if cls in (Exception, BaseException):
            return None
        if cls in app.exception_handlers:
            return app.exception_handlers[cls]
    return None


async def _read_body(receive: Receive) -> list[Message]:
    """The request's messages up to its whole body (or the client's going away)."""
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            return messages


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A receive that gives ``messages`` again, then waits on the connection's own."""
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed
