"""Backups of the whole station record, and restoring them.

SQLite uses its online backup API, so a running server keeps serving while the copy is
taken and the copy is consistent. PostgreSQL uses ``pg_dump`` in its custom format and
``pg_restore``. A restore is checked before it is reported done: the hash chain of the
restored record must verify.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from muster.db import Database
from muster.errors import Conflict, Invalid, NotFound
from muster.events.service import ChainReport, verify_chain


@dataclass(frozen=True)
class BackupResult:
    """Where a backup went and how big it is."""

    path: Path
    bytes: int


def _sqlite_path(db: Database) -> Path:
    database = make_url(db.url).database
    if not database or database == ":memory:":
        raise Invalid("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _pg_args(db: Database) -> tuple[list[str], dict[str, str]]:
    url = make_url(db.url)
    args = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432)]
    if url.username:
        args += ["-U", url.username]
    env = {"PGPASSWORD": url.password} if url.password else {}
    return [*args, "-d", url.database or "postgres"], env


def _run(command: list[str], env: dict[str, str]) -> None:
    tool = command[0]
    if shutil.which(tool) is None:
        raise NotFound(f"{tool} is not installed; install the PostgreSQL client tools")
    done = subprocess.run(
        command, env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise Conflict(f"{tool} failed: {done.stderr.strip() or done.stdout.strip()}")


_PRIVATE = 0o600


def _create_private(target: Path) -> None:
    """Create ``target`` empty, readable and writable by its owner only."""
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _PRIVATE)
    except FileExistsError as exc:
        raise Conflict(f"{target} already exists; choose a new file name for the backup") from exc
    os.fchmod(fd, _PRIVATE)  # exactly 0600, whatever the umask took away
    os.close(fd)


def _copy(db: Database, target: Path) -> None:
    if db.is_sqlite:
        source = sqlite3.connect(_sqlite_path(db))
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
    else:
        args, env = _pg_args(db)
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(target), *args], env)


def backup(db: Database, target: Path) -> BackupResult:
    """Write a consistent copy of the database to ``target`` (never over an existing file).

    The file is created mode 0600 before anything is written to it (it holds the whole
    station's record: medical holds, consent cases, the log), whatever the umask.
    """
    if target.exists():
        raise Conflict(f"{target} already exists; choose a new file name for the backup")
    target.parent.mkdir(parents=True, exist_ok=True)
    _create_private(target)
    try:
        _copy(db, target)
    except BaseException:
        target.unlink(missing_ok=True)  # no half-written backup left to be trusted
        raise
    os.chmod(target, _PRIVATE)  # pg_dump may have replaced the file
    return BackupResult(target, target.stat().st_size)


def restore(db: Database, source: Path) -> ChainReport:
    """Replace the database's contents with the backup at ``source``; verify the chain."""
    if not source.is_file():
        raise NotFound(f"no backup file at {source}")
    if db.is_sqlite:
        db.dispose()
        backup_db = sqlite3.connect(source)
        live = sqlite3.connect(_sqlite_path(db))
        try:
            if backup_db.execute("PRAGMA integrity_check").fetchone() != ("ok",):
                raise Invalid(f"{source} is not an intact SQLite database")
            backup_db.backup(live)
        except sqlite3.DatabaseError as exc:
            raise Invalid(f"{source} is not a SQLite backup: {exc}") from exc
        finally:
            live.close()
            backup_db.close()
    else:
        db.dispose()
        args, env = _pg_args(db)
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                *args,
                str(source),
            ],
            env,
        )
    with db.session_scope(write=False) as session:
        return verify_chain(session)
