"""The station the attack tests run against (``attacks.world``), on the test database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from attacks.world import World, build_world
from muster.comms.settings import get_comms_settings
from muster.config import Settings, get_settings
from muster.db import Database
from muster.policy.engine import install_engine
from muster.web.app import create_app

# Every acknowledgement deadline is a moment, so the escalations the shell runs are due.
DEADLINES = [f"MUSTER_COMMS_{p}_ACK_SECONDS" for p in ("FLASH", "IMMEDIATE", "PRIORITY", "ROUTINE")]


@pytest.fixture
def world(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """The station on the test database; the CLI reaches the same database."""
    monkeypatch.setenv("MUSTER_DATABASE_URL", db.url)
    for name in DEADLINES:
        monkeypatch.setenv(name, "0.001")
    get_settings.cache_clear()
    get_comms_settings.cache_clear()
    install_engine(None)
    built = build_world(db, create_app(settings, db, run_scheduler=False))
    yield built
    built.close()
    install_engine(None)
    get_settings.cache_clear()
    get_comms_settings.cache_clear()
