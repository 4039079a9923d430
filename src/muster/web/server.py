"""Starting the server: prepare the database, then run uvicorn."""

from __future__ import annotations

from typing import Any

import uvicorn
from fastapi import FastAPI
from sqlalchemy import inspect

from muster.config import Settings, get_settings
from muster.db import Database
from muster.errors import Conflict
from muster.events.seal_process import start_node_sealer
from muster.migrate import is_current, upgrade
from muster.ops.logs import configure_logging
from muster.web.app import create_app

WORKER_HEALTHCHECK_SECONDS = 30


def prepare_database(db: Database) -> str | None:
    """Migrate an empty database; refuse a stale one; create the first administrator.

    Returns the administrator's one-time password on first run, else None.
    """
    from muster.auth.service import ensure_first_admin

    if not inspect(db.engine).get_table_names():
        upgrade(db)
    elif not is_current(db):
        raise Conflict("the database schema is behind this version: run muster db upgrade")
    with db.session_scope() as session:
        return ensure_first_admin(session)


def worker_app() -> FastAPI:
    """The app of one worker process of ``muster serve --workers N`` (settings from the
    environment, its own connection pool and log handler)."""
    settings = get_settings()
    if settings.log_json:
        configure_logging(settings.log_level)
    return create_app(settings)


def uvicorn_options(settings: Settings, *, host: str, port: int) -> dict[str, Any]:
    """uvicorn's settings for ``settings``: limits on connections, idle time and logging.

    The time to read a request body and the number of requests waiting for one are bounded
    in the app itself (``muster.web.problems.BodyLimit``), since uvicorn has no body
    timeout: ``MUSTER_BODY_READ_SECONDS`` and ``MUSTER_MAX_BODY_READERS``.
    """
    return {
        "host": host,
        "port": port,
        "log_level": settings.log_level.lower(),
        "log_config": None if settings.log_json else uvicorn.config.LOGGING_CONFIG,
        "access_log": False,
        "proxy_headers": True,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
        "timeout_graceful_shutdown": 5,
        # Past this many open connections and tasks uvicorn answers 503 at once.
        "limit_concurrency": settings.max_connections,
        "timeout_keep_alive": settings.keep_alive_seconds,
        # Handset frames are small JSON or Opus clips (already compressed); compressing each
        # frame again for every handset cost a third of the fan-out's CPU.
        "ws_per_message_deflate": False,
    }


def run_server(settings: Settings, db: Database, *, host: str, port: int, workers: int = 1) -> None:
    """Serve the app until interrupted, logging JSON lines with request ids.

    Behind a reverse proxy listed in ``forwarded_allow_ips``, the client address (sign-in
    throttling, logs) and scheme come from its ``X-Forwarded-For``/``-Proto`` headers.

    uvicorn picks httptools and uvloop (installed with ``uvicorn[standard]``); its own
    access log is off, since the request middleware writes one JSON line per request with
    its id. With ``workers`` above 1, that many processes share the port, each with its
    own connection pool, policy engine and timed jobs (which are safe to run on several:
    see ``muster.scheduler``); they read settings from the environment. On PostgreSQL the
    node's sealer runs beside them in a process of its own.
    """
    if settings.log_json:
        configure_logging(settings.log_level)
    options = uvicorn_options(settings, host=host, port=port)
    # PostgreSQL: the node's sealer runs in a process of its own, started first so that it
    # leads; the workers' sealer threads stand by (events/seal_process.py).
    node_sealer = None if db.is_sqlite else start_node_sealer(db.url)
    try:
        if workers <= 1:
            uvicorn.run(create_app(settings, db), **options)
            return
        db.dispose()  # each worker opens its own pool
        uvicorn.run(
            "muster.web.server:worker_app",
            factory=True,
            workers=workers,
            # A worker must answer the supervisor's ping within this time or it is killed; a
            # worker still importing on a loaded machine can take more than the default 5 s.
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
            **options,
        )
    finally:
        if node_sealer is not None:
            node_sealer.stop()
