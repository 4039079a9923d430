"""The migrations build exactly the schema the models describe, on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from muster.db import Base, Database
from muster.migrate import current_revision, head_revision, is_current, upgrade


class TestMigrations:
    """Upgrading an empty database reaches the models' schema and the newest revision."""

    def test_upgrade_matches_models(self, db: Database) -> None:
        """After dropping everything and upgrading, nothing differs from the models."""
        Base.metadata.drop_all(db.engine)
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        assert current_revision(db) is None
        upgrade(db)
        assert is_current(db)
        assert current_revision(db) == head_revision()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
