"""Alembic environment: runs Muster's migrations on the connection it is given."""

from __future__ import annotations

from alembic import context

import muster.models  # noqa: F401  (registers every table)
from muster.db import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through muster.migrate (muster db upgrade)")

context.configure(
    connection=connection,
    # scripts/new_migration.py may pass a subset, to write one migration per domain.
    target_metadata=config.attributes.get("target_metadata", Base.metadata),
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
