"""``muster backup`` and ``muster restore``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from muster.cli.common import console, fail, open_database
from muster.errors import DomainError
from muster.ops.backup import backup, restore


def backup_cmd(
    target: Annotated[Path, typer.Argument(help="File to write; must not exist yet")],
) -> None:
    """Take a consistent backup of the database MUSTER_DATABASE_URL names, while it serves.

    Example: muster backup backups/muster-2026-11-25.db
    """
    db = open_database()
    try:
        result = backup(db, target)
    except DomainError as exc:
        fail(exc.message)
    finally:
        db.dispose()
    console.print(f"Backup written to {result.path} ({result.bytes} bytes).")


def restore_cmd(
    source: Annotated[Path, typer.Argument(help="Backup file made by muster backup")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm replacing the current data")] = False,
) -> None:
    """Replace the database's contents with a backup, then verify the record's hash chain.

    Stop every muster serve process on this database first.
    Example: muster restore backups/muster-2026-11-25.db --yes
    """
    if not yes:
        fail("restoring replaces everything in the database; run again with --yes to confirm")
    db = open_database()
    try:
        report = restore(db, source)
    except DomainError as exc:
        fail(exc.message)
    finally:
        db.dispose()
    if not report.ok:
        fail(
            f"restored, but the record does not verify: event {report.first_bad_seq}: "
            f"{report.problem}"
        )
    console.print(f"Restored from {source}; chain verified over {report.checked} events.")
