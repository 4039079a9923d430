"""A station signing key for tests, and ``muster audit verify --checkpoint`` run on what a
report, a roll call or a handset carried away."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from muster.cli.main import app
from muster.config import get_settings
from muster.db import Database
from muster.events.checkpoints import create_checkpoint
from muster.events.signing import SignedCheckpoint, generate_key, load_private_key, public_key_pem


@contextmanager
def station_key(db: Database, folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A signing key named in the settings, the CLI pointed at ``db``; yields the folder
    holding ``checkpoint.key`` and the public key ``station.pub``."""
    key = folder / "checkpoint.key"
    (folder / "station.pub").write_text(public_key_pem(generate_key(key)))
    monkeypatch.setenv("MUSTER_CHECKPOINT_KEY_FILE", str(key))
    monkeypatch.setenv("MUSTER_DATABASE_URL", db.url)
    get_settings.cache_clear()
    try:
        yield folder
    finally:
        get_settings.cache_clear()


def sign_now(db: Database, folder: Path) -> SignedCheckpoint:
    """Sign the log's head with the station key in ``folder``, as the timed job does."""
    with db.session_scope() as session:
        return create_checkpoint(session, key=load_private_key(folder / "checkpoint.key"))


def verify_carried(folder: Path, carried: Any, name: str = "carried.json") -> Result:
    """Write a checkpoint carried out of the database to a file and verify the log against it."""
    path = folder / name
    path.write_text(json.dumps(carried))
    public = str(folder / "station.pub")
    return CliRunner().invoke(
        app, ["audit", "verify", "--checkpoint", str(path), "--public-key", public]
    )
