"""PostgreSQL test databases cloned from a template built once, not made table by table.

``CREATE DATABASE ... TEMPLATE`` copies a database's files in well under a second, where
``create_all`` of seventy-odd tables took seconds a database (up to thirty under load), once
per test worker and once per production test. The template is named by a digest of the
schema the models define (every table's and index's DDL and every column's type), so a
change to the models builds a new one; it is kept for the next run on the same schema.
Parallel workers build it once: the first takes an advisory lock, builds it under a
temporary name and renames it, so no one ever clones a half-built template.

The template is marked ``IS_TEMPLATE`` and refuses connections (as ``template0`` does), so
nothing (autovacuum included) is connected to it when a clone is made. To drop one by hand:
``ALTER DATABASE muster_tpl_... IS_TEMPLATE false`` first.
"""

from __future__ import annotations

import hashlib
import os
import uuid

from sqlalchemy import text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import CreateIndex, CreateTable

import muster.models  # noqa: F401  (every domain's tables)
from harness.waiting import until
from muster.db import Base, Database

PREFIX = "muster_tpl_"


def schema_digest() -> str:
    """A digest of the schema ``Base.metadata.create_all`` makes on PostgreSQL."""
    dialect = postgresql.dialect()
    parts = []
    for table in Base.metadata.sorted_tables:
        parts.append(str(CreateTable(table).compile(dialect=dialect)))
        parts.extend(f"{c.name}: {c.type!r}" for c in table.columns)  # enum values too
        for index in sorted(table.indexes, key=lambda i: i.name or ""):
            parts.append(str(CreateIndex(index).compile(dialect=dialect)))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def database_url(admin: Engine, name: str) -> str:
    """The URL of database ``name`` on the server ``admin`` is connected to."""
    return make_url(str(admin.url)).set(database=name).render_as_string(hide_password=False)


def ensure_template(admin: Engine) -> str:
    """The template of the current schema, built now if no run has built it yet; its name.

    ``admin`` must be an AUTOCOMMIT engine of a role that may create databases.
    """
    name = PREFIX + schema_digest()
    lock = int(name[-15:], 16)  # fits PostgreSQL's bigint
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": lock})
        try:
            found = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).first()
            if found is None:
                building = f"{name}_b{os.getpid()}"
                conn.execute(text(f'DROP DATABASE IF EXISTS "{building}"'))
                conn.execute(text(f'CREATE DATABASE "{building}"'))
                db = Database(database_url(admin, building))
                try:
                    Base.metadata.create_all(db.engine)
                finally:
                    db.dispose()
                conn.execute(text(f'ALTER DATABASE "{building}" RENAME TO "{name}"'))
                conn.execute(
                    text(f'ALTER DATABASE "{name}" IS_TEMPLATE true ALLOW_CONNECTIONS false')
                )
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock})
    return name


def clone_database(admin: Engine, prefix: str) -> str:
    """A new database ``<prefix>_<pid>_<random>`` with every table, empty; its URL."""
    template = ensure_template(admin)
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"

    def created() -> bool:
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        except DBAPIError as exc:  # a session on the template at that moment: again
            if "being accessed by other users" not in str(exc):
                raise
            return False
        return True

    if not until(created, every=0.1):
        raise RuntimeError(f"could not clone {template}: other sessions kept it busy")
    return database_url(admin, name)
