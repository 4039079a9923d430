"""Starting the server: prepare the database, then run uvicorn."""

from __future__ import annotations

import uvicorn
from sqlalchemy import inspect

from muster.config import Settings
from muster.db import Database
from muster.errors import Conflict
from muster.migrate import is_current, upgrade
from muster.ops.logs import configure_logging
from muster.web.app import create_app


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


def run_server(settings: Settings, db: Database, *, host: str, port: int) -> None:
    """Serve the app until interrupted, logging JSON lines with request ids.

    Behind a reverse proxy listed in ``forwarded_allow_ips``, the client address (sign-in
    throttling, logs) and scheme come from its ``X-Forwarded-For``/``-Proto`` headers.
    """
    if settings.log_json:
        configure_logging(settings.log_level)
    uvicorn.run(
        create_app(settings, db),
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        log_config=None if settings.log_json else uvicorn.config.LOGGING_CONFIG,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        timeout_graceful_shutdown=5,
    )
