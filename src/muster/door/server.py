"""A door controller's own HTTP: its readers ask it, not the server, on the same paths.

``POST /api/v1/portals/{portal}/requests`` and ``.../passages`` take what the server's
routes take, so a reader is pointed at its door instead of the server and nothing else
changes. ``GET /healthz`` gives freshness and lag. Readers sign in with the door's reader
secret (``MUSTER_DOOR_READER_SECRET``) when one is set.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Response, status
from starlette.concurrency import run_in_threadpool

from muster.access.schemas import AccessRequestIn, PassageIn
from muster.door.controller import DoorController
from muster.errors import DomainError
from muster.web.limits import check_input_limits
from muster.web.problems import install_problem_handlers


class ReaderUnauthenticated(DomainError):
    """A reader without the door's reader secret."""

    status = 401
    title = "Sign-in required"
    headers = {"WWW-Authenticate": 'Bearer realm="muster-door"'}


def create_door_app(door: DoorController, *, reader_secret: str | None = None) -> FastAPI:
    """The door's app for its readers."""
    app = FastAPI(
        title="Muster door controller",
        docs_url=None,
        redoc_url=None,
        # The server's input limits, before anything is decided or journalled: a reference
        # the server could not store (NUL) would make a decision the record never gets.
        dependencies=[Depends(check_input_limits)],
    )
    install_problem_handlers(app)

    def reader(authorization: Annotated[str, Header()] = "") -> None:
        if reader_secret is None:
            return
        given = authorization[7:].strip() if authorization.lower().startswith("bearer ") else ""
        if not hmac.compare_digest(given.encode(), reader_secret.encode()):
            raise ReaderUnauthenticated("send the door's reader secret as a bearer token")

    @app.post("/api/v1/portals/{portal_id}/requests", dependencies=[Depends(reader)])
    async def request_passage(portal_id: str, body: AccessRequestIn) -> dict[str, Any]:
        """Decide a request here; the answer is journalled before it is sent."""
        return await run_in_threadpool(
            door.decide, portal_id=portal_id, person_refs=body.persons, direction=body.direction
        )

    @app.post(
        "/api/v1/portals/{portal_id}/passages",
        status_code=status.HTTP_201_CREATED,
        dependencies=[Depends(reader)],
    )
    async def report_passage(
        portal_id: str,
        body: PassageIn,
        response: Response,
        idempotency_key: Annotated[str, Header(min_length=1, max_length=200)],
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

    @app.get("/healthz")
    def health() -> dict[str, Any]:
        """Fresh or stale (and why), replica lag, journal backlog."""
        return door.health()

    return app
