"""Backups and restores of the whole record, on each backend."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from muster.db import Database
from muster.errors import Conflict, NotFound
from muster.events.models import Event
from muster.events.service import append_event
from muster.ops.backup import backup, restore
from muster.policy.actor import Actor


def _append(db: Database, count: int) -> None:
    with db.session_scope() as session:
        for i in range(count):
            append_event(session, kind="test.noted", actor=Actor.system("test"), payload={"i": i})


def _count(db: Database) -> int:
    with db.session_scope(write=False) as session:
        return session.scalar(select(func.count()).select_from(Event)) or 0


class TestBackupAndRestore:
    """A restore brings back exactly what the backup held, and the chain verifies."""

    def test_restore_returns_to_backed_up_state(self, db: Database, tmp_path: Path) -> None:
        """Events written after the backup are gone after the restore; the chain verifies."""
        _append(db, 5)
        target = tmp_path / "backup.dump"
        result = backup(db, target)
        assert result.bytes > 0
        _append(db, 3)
        assert _count(db) == 8
        report = restore(db, target)
        assert report.ok
        assert report.checked == 5
        assert _count(db) == 5

    def test_restore_of_tampered_backup_reports_the_event(
        self, db: Database, tmp_path: Path
    ) -> None:
        """A backup whose record was altered restores but names the altered event."""
        _append(db, 4)
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE events SET kind = 'test.altered' WHERE seq = 3"))
        target = tmp_path / "tampered.dump"
        backup(db, target)
        report = restore(db, target)
        assert not report.ok
        assert report.first_bad_seq == 3

    def test_backup_never_overwrites(self, db: Database, tmp_path: Path) -> None:
        """An existing file is refused, and left as it was."""
        target = tmp_path / "exists.dump"
        target.write_text("keep me")
        with pytest.raises(Conflict):
            backup(db, target)
        assert target.read_text() == "keep me"

    def test_backup_readable_by_owner_only(self, db: Database, tmp_path: Path) -> None:
        """The backup is written 0600 even under a permissive umask."""
        _append(db, 2)
        target = tmp_path / "private.dump"
        previous = os.umask(0)
        try:
            backup(db, target)
        finally:
            os.umask(previous)
        assert stat.S_IMODE(target.stat().st_mode) == 0o600

    def test_restore_of_missing_file_refused(self, db: Database, tmp_path: Path) -> None:
        """A missing backup file is refused before anything is touched."""
        _append(db, 2)
        with pytest.raises(NotFound):
            restore(db, tmp_path / "nothing.dump")
        assert _count(db) == 2


class TestBackupCommands:
    """The CLI takes backups and refuses a restore without confirmation."""

    def test_backup_then_restore_via_cli(
        self, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """`muster backup` writes a file; `muster restore --yes` brings it back and verifies."""
        from typer.testing import CliRunner

        from muster.cli.main import app
        from muster.config import get_settings

        monkeypatch.setenv("MUSTER_DATABASE_URL", db.url)
        get_settings.cache_clear()
        _append(db, 2)
        target = tmp_path / "cli.dump"
        runner = CliRunner()
        made = runner.invoke(app, ["backup", str(target)])
        assert made.exit_code == 0, made.output
        refused = runner.invoke(app, ["restore", str(target)])
        assert refused.exit_code == 1
        assert "--yes" in refused.output
        done = runner.invoke(app, ["restore", str(target), "--yes"])
        assert done.exit_code == 0, done.output
        assert "verified over 2 events" in " ".join(done.output.split())
        get_settings.cache_clear()
