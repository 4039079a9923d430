"""Generate a migration by comparing the models with a fresh PostgreSQL database.

Usage: uv run python scripts/new_migration.py "what changed"
PostgreSQL is used (MUSTER_MIGRATION_DATABASE_URL, default the local server) because it
renders foreign keys between mutually dependent tables as separate steps, which SQLite
autogeneration folds away.
"""

from __future__ import annotations

import os
import sys
import uuid

from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from muster.db import Database
from muster.migrate import alembic_config

admin_url = os.environ.get(
    "MUSTER_MIGRATION_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
name = f"muster_mig_{uuid.uuid4().hex[:8]}"
admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
with admin.connect() as conn:
    conn.execute(text(f'CREATE DATABASE "{name}"'))
try:
    db = Database(make_url(admin_url).set(database=name).render_as_string(hide_password=False))
    config = alembic_config()
    with db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    with db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.revision(config, message=sys.argv[1], autogenerate=True)
    db.dispose()
finally:
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
