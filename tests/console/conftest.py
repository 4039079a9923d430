"""Console fixtures: an app on the test database, operators signed in through the form.

These belong with the shared fixtures in ``tests/conftest.py``; they live here while the
console is built beside the other domains.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from muster.config import Settings
from muster.db import Database

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext

from .browser import serve
from .domains import Records, build_records
from .helpers import ConsoleKit
from .station import build_small_station


@pytest.fixture
def console(db: Database, settings: Settings) -> Iterator[ConsoleKit]:
    """The app on the test database, with helpers to sign operators in."""
    from muster.web.app import create_app

    kit = ConsoleKit(create_app(settings, db), db, [])
    yield kit
    for client in kit.clients:
        client.close()


@pytest.fixture
def signed_in(console: ConsoleKit) -> Callable[..., TestClient]:
    """Make a client signed in with the given roles."""
    return console.signed_in


@pytest.fixture
def records(console: ConsoleKit, db: Database) -> Records:
    """The small station with every later domain's records and staff accounts."""
    build_small_station(db)
    return build_records(db)


@pytest.fixture
def pages(served: object) -> Iterator[list[BrowserContext]]:
    """Browser contexts of a test against its module's ``served`` console, closed before the
    server stops (no stream left open)."""
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


@pytest.fixture
def small_station_url(db: Database, settings: Settings) -> Iterator[str]:
    """The console serving the small station with its stand-off at the South airlock."""
    from muster.web.app import create_app

    build_small_station(db)
    with serve(create_app(settings, db)) as url:
        yield url


@pytest.fixture
def contexts(chromium: Browser, small_station_url: str) -> Iterator[list[BrowserContext]]:
    """Browser contexts of a test, closed before the server stops (no stream left open)."""
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()
