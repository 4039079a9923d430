"""The FastAPI application: routers, error mapping, limits, headers, health, metrics."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Iterable

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import _IncludedRouter
from sqlalchemy import text
from starlette.routing import BaseRoute
from starlette.types import ASGIApp

from muster.access import api as access_api
from muster.access import policy_api
from muster.agreements import api as agreements_api
from muster.auth import api as auth_api
from muster.comms import api as comms_api
from muster.config import Settings, get_settings
from muster.db import Database
from muster.door import api as door_api
from muster.errors import Forbidden
from muster.events import api as events_api
from muster.events import audit_api
from muster.incidents import api as incidents_api
from muster.logistics import api as logistics_api
from muster.medical import api as medical_api
from muster.migrate import is_current
from muster.ops import metrics
from muster.ops.http import RequestPlumbing
from muster.people import api as people_api
from muster.places import api as places_api
from muster.policy.actor import Actor, Role
from muster.posts import web as posts_web
from muster.search import api as search_api
from muster.vessels import api as vessels_api
from muster.web.console import routes as console_routes
from muster.web.contract import install_contract
from muster.web.deps import SESSION_COOKIE, CurrentActor
from muster.web.limits import check_input_limits
from muster.web.problems import BodyLimit, install_problem_handlers
from muster.web.streaming import DirectBodies, bodies_pass_through
from muster.welfare import api as welfare_api

METRICS_SCOPE = "metrics.read"

# Every domain's router, in the order they are mounted.
ROUTERS: tuple[APIRouter, ...] = (
    events_api.router,
    audit_api.router,
    auth_api.router,
    people_api.router,
    places_api.router,
    access_api.router,
    door_api.router,
    policy_api.router,
    comms_api.router,
    incidents_api.router,
    medical_api.router,
    welfare_api.router,
    agreements_api.router,
    logistics_api.router,
    vessels_api.router,
    search_api.router,
    posts_web.router,
    console_routes.router,
)

# Every route, console pages too: integers in range, text without NUL.
INPUT_LIMITS = Depends(check_input_limits)


@functools.cache
def shared_routes() -> tuple[BaseRoute, ...]:
    """The domains' routers as included in an app, built once for every app of the process.

    FastAPI builds an included route's dependencies and fields (pydantic validators for each
    parameter and response) on the first request that reaches it, for each inclusion: every
    app paid it again for its 277 routes (0.3 s idle, seconds on a loaded machine, on the
    first request of each app, so of each node started and each test's app). What it builds
    depends only on the routers and on what the app passes down (the input limits, and the
    defaults), so every app of the process shares one inclusion of them. The one thing an
    app could add, ``app.dependency_overrides``, does not reach these routes; Muster sets
    none.
    """
    carrier = APIRouter(dependencies=[INPUT_LIMITS])
    for router in (*ROUTERS, health):
        carrier.include_router(router)
    return tuple(carrier.routes)


def build_routes() -> None:
    """Build every shared route now rather than on the first request (a zygote calls this
    before it forks nodes, so each node starts with them built)."""

    def build(routes: Iterable[object]) -> None:
        for route in routes:
            if isinstance(route, _IncludedRouter):  # a router, maybe with routers in it
                build(route.effective_candidates())
                route.effective_low_priority_routes()

    build(shared_routes())


def _install_middleware(app: FastAPI, settings: Settings) -> None:
    # Pure ASGI, so bodies without Content-Length (chunked) are counted as they arrive.
    app.add_middleware(
        BodyLimit,
        limit=settings.max_body_bytes,
        read_seconds=settings.body_read_seconds,
        readers=settings.max_body_readers,
    )
    # Added last, so outermost: its headers and request id reach every response, 413s too.
    app.add_middleware(RequestPlumbing, session_cookie=SESSION_COOKIE)


class MusterApp(FastAPI):
    """FastAPI, with live streams' body chunks sent past the layers that only read a
    response's start (``muster.web.streaming``), while every middleware allows it."""

    def build_middleware_stack(self) -> ASGIApp:
        stack = super().build_middleware_stack()
        return DirectBodies(stack) if bodies_pass_through(self.user_middleware) else stack


def authorize_metrics(actor: Actor) -> None:
    """Metrics are for administrators, or a token scoped to ``metrics.read`` only."""
    scoped_ok = actor.scopes is None or METRICS_SCOPE in actor.scopes
    if not (actor.has_role(Role.ADMIN) and scoped_ok):
        raise Forbidden(
            "metrics need an administrator's token; create one with muster token create "
            f"prometheus --user <admin> --scope {METRICS_SCOPE}"
        )


health = APIRouter(tags=["health"])


@health.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@health.get("/readyz", responses={503: {"description": "Not ready, and why"}})
def readyz(request: Request) -> JSONResponse:
    """The database answers and its schema is current."""
    database: Database = request.app.state.db
    try:
        with database.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current = is_current(database)
    except Exception as exc:  # any failure means not ready
        return JSONResponse({"ready": False, "reason": f"database unreachable: {exc}"}, 503)
    if not current:
        return JSONResponse(
            {"ready": False, "reason": "migrations pending: run muster db upgrade"}, 503
        )
    return JSONResponse({"ready": True})


@health.get("/metrics", include_in_schema=False)
def read_metrics(actor: CurrentActor) -> Response:
    """Prometheus metrics of this node (administrators, or a metrics.read token)."""
    authorize_metrics(actor)
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type)


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """While the app serves: timed jobs, and wake-ups from other nodes on PostgreSQL."""
    db: Database = app.state.db
    task = None
    listener = None
    sealer = None
    if not db.is_sqlite:  # SQLite chains every event in its writer's transaction
        from muster.events.bus import get_bus
        from muster.events.listener import NotifyListener
        from muster.events.sealer import sealer_for

        sealer = sealer_for(db.engine)
        sealer.ensure_running(keep=True)  # seals what a dead node left pending; stands by

        listener = NotifyListener(db.engine.url, get_bus(str(db.engine.url)))
        listener.start()
    if app.state.run_scheduler:
        from muster.scheduler import load_jobs, run_forever

        task = asyncio.create_task(run_forever(db, load_jobs()))
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if listener is not None:
            await asyncio.to_thread(listener.stop)
        if sealer is not None:
            await asyncio.to_thread(sealer.stop)


def create_app(
    settings: Settings | None = None, db: Database | None = None, *, run_scheduler: bool = True
) -> FastAPI:
    """Build the app for ``settings`` (read from the environment when not given).

    ``run_scheduler=False`` leaves timed jobs to the caller (tests drive them directly).
    """
    settings = settings or get_settings()
    app = MusterApp(
        lifespan=_lifespan,
        title="Muster",
        version="0.1.0",
        description="Crisis command for crewed stations.",
        openapi_url="/openapi.json",
        dependencies=[INPUT_LIMITS],
    )
    app.state.settings = settings
    app.state.db = db or Database(settings.database_url)
    app.state.run_scheduler = run_scheduler
    install_problem_handlers(app)
    _install_middleware(app, settings)
    app.router.routes.extend(shared_routes())
    install_contract(app)

    return app
