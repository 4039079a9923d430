"""Tests for muster.web.deps' SQLite write gate: one per database, never another's."""

from __future__ import annotations

import gc
from pathlib import Path

from muster.db import Database
from muster.web.deps import write_gate


class TestWriteGate:
    """Each SQLite database has its own gate and lock file, held only while it lives."""

    def test_one_gate_per_database(self, tmp_path: Path) -> None:
        """The same database gets the same gate; another database another gate, on its own
        lock file."""
        one = Database(f"sqlite:///{tmp_path / 'one.db'}")
        two = Database(f"sqlite:///{tmp_path / 'two.db'}")
        try:
            assert write_gate(one) is write_gate(one)
            assert write_gate(one) is not write_gate(two)
            with write_gate(two):
                pass
            assert (tmp_path / "two.db-writegate").exists()
        finally:
            one.dispose()
            two.dispose()

    def test_a_new_database_does_not_inherit_a_gone_ones_gate(self, tmp_path: Path) -> None:
        """A database made after another is collected gets a gate on its own file, even if
        it lands at the old one's address."""
        old = Database(f"sqlite:///{tmp_path / 'old.db'}")
        with write_gate(old):
            pass
        old.dispose()
        del old
        gc.collect()
        new = Database(f"sqlite:///{tmp_path / 'new.db'}")
        try:
            with write_gate(new):
                pass
            assert (tmp_path / "new.db-writegate").exists()
        finally:
            new.dispose()

    def test_postgresql_needs_no_gate(self) -> None:
        """A PostgreSQL database's writers wait on its own locks."""
        db = Database("postgresql+psycopg://postgres@127.0.0.1:5432/none")
        try:
            with write_gate(db) as held:
                assert held is None
        finally:
            db.dispose()
