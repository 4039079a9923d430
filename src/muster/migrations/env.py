"""Alembic environment: runs Muster's migrations on the connection it is given.

The revisions in ``versions/`` form one chain (per-domain initial tables, then each change
since); ``scripts/new_migration.py`` adds the next one by comparing the models with a
database upgraded to head.
"""

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
    # A caller may pass a subset of the tables to compare (one domain's, for example).
    target_metadata=config.attributes.get("target_metadata", Base.metadata),
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
