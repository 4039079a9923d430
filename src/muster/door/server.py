"""A door controller's own HTTP: its readers ask it, not the server, on the same paths.

``POST /api/v1/portals/{portal}/requests`` and ``.../passages`` take what the server's
routes take, so a reader is pointed at its door instead of the server and nothing else
changes. A reader may instead keep a WebSocket open (``/api/v1/portals/{portal}/ws``) and
send the same bodies as messages; each is answered by the same code (``DoorController``)
with the status and body HTTP would give. ``GET /healthz`` gives freshness and lag.
Readers sign in with the door's reader secret (``MUSTER_DOOR_READER_SECRET``) when one is
set, on the WebSocket's handshake too.
"""

from __future__ import annotations

import gc
import hmac
from typing import Annotated, Any

import uvicorn
from fastapi import Depends, FastAPI, Header, Response, WebSocket, WebSocketDisconnect, status
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp

from muster.access.schemas import AccessRequestIn, PassageIn
from muster.door.controller import KEY_MAX, DoorController
from muster.door.decider import Decider
from muster.door.reader_path import ReaderPath
from muster.errors import DomainError
from muster.web.limits import check_input_limits, value_errors
from muster.web.problems import install_problem_handlers

# A WebSocket closed because the reader did not sign in (the 4000 range is the app's own).
UNAUTHENTICATED_CLOSE = 4401
# How uvicorn serves a door (``serve``): the C HTTP parser and event loop, no access log
# line and no Server header per answer.
UVICORN_OPTIONS: dict[str, Any] = {
    "http": "httptools",
    "loop": "uvloop",
    "access_log": False,
    "server_header": False,
}


def serve(app: ASGIApp, *, host: str, port: int, log_level: str = "info") -> None:
    """Serve ``app`` until stopped, as ``muster door run`` and bench/door.py do.

    Everything loaded by then (about 180,000 objects: the modules, Cedar's policies, the
    app) is moved out of the garbage collector's generations first (``gc.freeze``): each
    full collection walked them all and stopped the door for about 100-130 ms, the tail
    of its answers at 300 and 500 requests a second.
    """
    gc.collect()
    gc.freeze()
    uvicorn.run(app, host=host, port=port, log_level=log_level, **UVICORN_OPTIONS)


class ReaderUnauthenticated(DomainError):
    """A reader without the door's reader secret."""

    status = 401
    title = "Sign-in required"
    headers = {"WWW-Authenticate": 'Bearer realm="muster-door"'}


def create_door_app(
    door: DoorController, *, reader_secret: str | None = None, reader_path: bool = True
) -> FastAPI:
    """The door's app for its readers. ``reader_path=False`` leaves the readers' POST
    routes to FastAPI alone (the tests compare the two: the same answers)."""
    app = FastAPI(
        title="Muster door controller",
        docs_url=None,
        redoc_url=None,
        # The server's input limits, before anything is decided or journalled: a reference
        # the server could not store (NUL) would make a decision the record never gets.
        dependencies=[Depends(check_input_limits)],
    )
    install_problem_handlers(app)

    def signed_in(authorization: str) -> bool:
        if reader_secret is None:
            return True
        given = authorization[7:].strip() if authorization.lower().startswith("bearer ") else ""
        return hmac.compare_digest(given.encode(), reader_secret.encode())

    if reader_path:
        # The readers' two POST routes answered in front of FastAPI, by the same checks and
        # code, their requests decided on one thread with group commit (reader_path.py).
        app.state.decider = Decider(door)
        app.add_middleware(
            ReaderPath, door_app=app, door=door, decider=app.state.decider, signed_in=signed_in
        )

    async def reader(authorization: Annotated[str, Header()] = "") -> None:
        if not signed_in(authorization):
            raise ReaderUnauthenticated("send the door's reader secret as a bearer token")

    @app.post(
        "/api/v1/portals/{portal_id}/requests",
        dependencies=[Depends(reader)],
        response_class=JSONResponse,
    )
    async def request_passage(portal_id: str, body: AccessRequestIn) -> JSONResponse:
        """Decide a request here; the answer is journalled before it is sent. The answer is
        plain JSON already (the reader's hot path: no second validation of it)."""
        answer = await run_in_threadpool(
            door.decide, portal_id=portal_id, person_refs=body.persons, direction=body.direction
        )
        return JSONResponse(answer)

    @app.post(
        "/api/v1/portals/{portal_id}/passages",
        status_code=status.HTTP_201_CREATED,
        dependencies=[Depends(reader)],
    )
    async def report_passage(
        portal_id: str,
        body: PassageIn,
        response: Response,
        idempotency_key: Annotated[str, Header(min_length=1, max_length=KEY_MAX)],
    ) -> dict[str, Any]:
        """Journal a permitted person's passage; a retry with the same key records nothing."""
        passage, created = await run_in_threadpool(
            door.record_passage,
            portal_id=portal_id,
            person_ref=body.person,
            direction=body.direction,
            idempotency_key=idempotency_key,
        )
        if not created:
            response.status_code = status.HTTP_200_OK
        return passage

    @app.websocket("/api/v1/portals/{portal_id}/ws")
    async def reader_socket(websocket: WebSocket, portal_id: str) -> None:
        """Requests and passages as messages on one connection, answered in order."""
        if not signed_in(websocket.headers.get("authorization", "")):
            await websocket.close(
                UNAUTHENTICATED_CLOSE, "send the door's reader secret as a bearer token"
            )
            return
        await websocket.accept()
        while True:
            try:
                message = await websocket.receive_json()
            except WebSocketDisconnect:
                return
            except (ValueError, KeyError):  # not JSON, or a binary frame (no text)
                await websocket.send_json(_refusal(400, "send each message as a JSON object"))
                continue
            answer = await run_in_threadpool(_answer, door, portal_id, message)
            await websocket.send_json(answer)

    @app.get("/healthz")
    def health() -> dict[str, Any]:
        """Fresh or stale (and why), replica lag, journal backlog."""
        return door.health()

    return app


def _refusal(status_code: int, detail: str, **extra: Any) -> dict[str, Any]:
    return {"status": status_code, "detail": detail, **extra}


def _answer(door: DoorController, portal_id: str, message: Any) -> dict[str, Any]:
    """One reader message, decided as its HTTP twin would be: ``{"request": {...}}`` (the
    body of ``POST .../requests``) or ``{"passage": {...}, "idempotency_key": "..."}``;
    ``id`` is echoed. The status and body are those of the HTTP route."""
    if not isinstance(message, dict):
        return _refusal(400, "send each message as a JSON object")
    echo = {"id": message["id"]} if isinstance(message.get("id"), str | int) else {}
    errors = [
        {"loc": ".".join(map(str, e["loc"])), "message": str(e["msg"])}
        for e in value_errors(message, ("message",))
    ]
    if errors:
        first = errors[0]
        return {**echo, **_refusal(422, f"{first['loc']}: {first['message']}", errors=errors)}
    try:
        if "request" in message:
            asked = AccessRequestIn.model_validate(message["request"])
            body = door.decide(
                portal_id=portal_id, person_refs=asked.persons, direction=asked.direction
            )
            return {**echo, "status": 200, "body": body}
        if "passage" in message:
            passage = PassageIn.model_validate(message["passage"])
            recorded, created = door.record_passage(
                portal_id=portal_id,
                person_ref=passage.person,
                direction=passage.direction,
                idempotency_key=str(message.get("idempotency_key") or ""),
            )
            return {**echo, "status": 201 if created else 200, "body": recorded}
    except ValidationError as exc:
        found = [
            {"loc": ".".join(map(str, e["loc"])), "message": str(e["msg"])} for e in exc.errors()
        ]
        first = found[0]
        return {**echo, **_refusal(422, f"{first['loc']}: {first['message']}", errors=found)}
    except DomainError as exc:
        return {**echo, **_refusal(exc.status, exc.message)}
    return {**echo, **_refusal(400, "send a 'request' or a 'passage' (docs/doors.md)")}
