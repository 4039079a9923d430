"""Shared fixtures: a fresh database per test on SQLite and PostgreSQL, apps and clients.

Each test gets a database of its own with real commits (copied from a migrated SQLite
template, or a PostgreSQL database truncated between tests), because much of what Muster
guarantees (the live stream, idempotent retries, the hash chain across transactions) is
about what happens after a commit.
"""

# ruff: noqa: E402  (bytecode is switched on before anything else is imported)
from __future__ import annotations

import sys

# This machine, like some CI images, sets PYTHONDONTWRITEBYTECODE=1: then every test worker,
# and every server or command a test starts, compiles the project and the tests from source
# again (seconds each). The suite keeps compiled bytecode of what it imports from here on
# (in __pycache__, ignored by git); the processes it starts read it.
sys.dont_write_bytecode = False

import gc
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

import muster.models  # noqa: F401
from muster.auth import service as auth_service
from muster.config import Mode, Settings
from muster.db import Base, Database
from muster.events.bus import get_bus
from muster.policy.actor import Actor

if TYPE_CHECKING:
    from playwright.sync_api import Browser

# Passwords in the suite are hashed with argon2id at its lowest cost. The service's own
# parameters (64 MiB, 3 passes: RFC 9106's second recommendation) cost over a second a hash
# on a loaded 2-core machine, and every client a test builds creates an account; what the
# tests check about passwords does not depend on the cost. tests/auth/test_password_cost.py
# checks that a process outside the suite hashes at full cost.
auth_service._hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Once the tests are collected: build the app's shared routes, then move everything
    loaded so far (modules, models, schemas, routes) out of the collector's sight. Each full
    collection otherwise walked all of it again; with it frozen the API tests took about a
    seventh less CPU."""
    from muster.web.app import build_routes

    build_routes()
    gc.collect()
    gc.freeze()


# Markers of modules whose tests take seconds each: a real browser, nodes in processes of
# their own, or the named slow ones.
HEAVY_MARKERS = ("browser", "production", "slow")
HEAVY_WEIGHT = 10  # a heavy test counts as this many ordinary ones


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Heaviest modules first. With ``--dist loadfile`` a module runs whole on one worker,
    handed out in collection order; a heavy module collected last (schemathesis, under
    tests/web) kept one worker busy alone for the last minute of the run while the other
    had nothing left. A module's weight is its count of tests, heavy ones counted
    ``HEAVY_WEIGHT`` times; the sort is stable, so a module's tests keep their order."""
    weight: dict[Path, int] = {}
    for item in items:
        weight[item.path] = weight.get(item.path, 0) + _weight(item)
    items.sort(key=lambda item: -weight[item.path])


def _weight(item: pytest.Item) -> int:
    """One for an ordinary test (about half a second); ``HEAVY_WEIGHT`` for a heavy one, or
    what its ``slow`` marker says (``pytest.mark.slow(weight=56)``: about 28 s a test)."""
    slow = item.get_closest_marker("slow")
    if slow is not None and "weight" in slow.kwargs:
        return int(slow.kwargs["weight"])
    return HEAVY_WEIGHT if any(item.get_closest_marker(m) for m in HEAVY_MARKERS) else 1


def create_schema(db: Database) -> None:
    """Tables straight from the models (tests/test_migrations.py checks the migrations match)."""
    Base.metadata.create_all(db.engine)


PG_ENV = "MUSTER_TEST_DATABASE_URL"
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite database that each test copies."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path}")
    create_schema(db)
    db.dispose()
    return path


def _pg_admin_url() -> str | None:
    url = os.environ.get(PG_ENV)
    if not url:
        return None
    return (
        url.replace("postgresql://", "postgresql+psycopg://", 1) if "+psycopg" not in url else url
    )


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A PostgreSQL database of this test run's own, with every table, dropped at the end:
    a copy of the schema's template (``harness/pgtemplate.py``), built once, not per worker."""
    from harness.pgtemplate import clone_database

    admin_url = _pg_admin_url()
    if admin_url is None:
        pytest.skip(f"PostgreSQL not configured: set {PG_ENV} to run these tests on it")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    url = clone_database(admin, "muster_t")
    name = make_url(url).database
    with admin.connect() as conn:
        # A commit here returns once its WAL is written, not flushed to disk: what tests
        # check of a commit (seen by other sessions, in order, once) is unchanged, and only a
        # crash of the PostgreSQL server itself could lose one, which no test here does (the
        # restart tests have databases of their own). The suite's PostgreSQL tests spent
        # about half their time waiting for those flushes: 75 s against 42 s for one set.
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    try:
        yield url
    finally:
        from muster.events.sealer import stop_sealers

        stop_sealers()  # no sealer thread left retrying a database about to be dropped
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _clear_all(db: Database) -> None:
    """Empty every table a test wrote to, and restart the sequences it used.

    One query finds the tables that hold rows; those are emptied with DELETE, children
    first. A TRUNCATE of all seventy-odd tables took one to three seconds a test on a loaded
    2-core machine (it replaces every table's files); a test writes to a handful.
    """
    tables = Base.metadata.sorted_tables
    probe = " UNION ALL ".join(
        f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")" for t in tables
    )
    with db.engine.begin() as conn:
        dirty = {row[0] for row in conn.execute(text(probe))}
        for table in reversed(tables):
            if table.name in dirty:
                conn.execute(table.delete())
        used = conn.execute(
            text(
                "SELECT sequencename FROM pg_sequences "
                "WHERE schemaname = current_schema() AND last_value IS NOT NULL"
            )
        ).scalars()
        for sequence in list(used):
            conn.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))
        # Each test starts unstamped, as from Base.metadata (test_migrations stamps it).
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    # The log starts again at seq 1: this process's memory of the last test's log (the
    # ring of events and the newest seq) would otherwise answer the new test's streams.
    get_bus(str(db.engine.url)).forget()


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A fresh, migrated database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "muster.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        database = Database(f"sqlite:///{path}")
    else:
        database = Database(request.getfixturevalue("pg_database"))
        _clear_all(database)
    try:
        yield database
    finally:
        database.dispose()
        if request.param == "sqlite":
            # Each SQLite test's log is at a URL of its own, which the process's bus
            # registry keeps; its memory of the test's events goes with the test.
            get_bus(str(database.engine.url)).forget()


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    """A write session whose work is rolled back after the test (services never commit)."""
    s = db.write_session()
    try:
        yield s
    finally:
        s.rollback()
        s.close()


@pytest.fixture
def actor() -> Actor:
    """The local administrator."""
    return Actor.system("test")


@pytest.fixture
def settings(db: Database) -> Settings:
    """Settings for a test app on the test database."""
    return Settings(mode=Mode.DEV, database_url=db.url, sse_heartbeat_seconds=0.2)


@pytest.fixture
def make_client(db: Database, settings: Settings) -> Iterator[Callable[..., TestClient]]:
    """Build API clients signed in with a bearer token for an account with given roles."""
    from muster.web.app import create_app

    app = create_app(settings, db)
    clients: list[TestClient] = []

    def build(*roles: str, username: str | None = None, person_id: str | None = None) -> TestClient:
        username = username or f"op-{uuid.uuid4().hex[:8]}"
        with db.session_scope() as s:
            auth_service.create_account(
                s,
                username=username,
                display_name=username,
                roles=list(roles),
                password="correct horse battery",
                actor=Actor.system("test"),
                person_id=person_id,
            )
            _token, secret = auth_service.create_token(
                s, name=f"t-{username}", username=username, scopes=[], actor=Actor.system("test")
            )
        client = TestClient(app, headers={"Authorization": f"Bearer {secret}"})
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()


@pytest.fixture
def signing_key(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A station signing key in the settings, the CLI on the test database: the folder with
    ``checkpoint.key`` and ``station.pub`` (see harness/checkpoints.py)."""
    from harness.checkpoints import station_key

    with station_key(db, tmp_path, monkeypatch) as folder:
        yield folder


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    """An API client signed in as an administrator."""
    return make_client("admin", username="admin-test")


@pytest.fixture(scope="module")
def chromium_process() -> Iterator[Browser]:
    """One headless Chromium for a test module's browser tests (skipped with the reason
    when it is not installed). Starting one cost 1.3-2.2 s a test on a loaded machine. Not
    one for the whole run: Playwright's sync API keeps its event loop running in the main
    thread while it is open, where later modules' tests run loops of their own."""
    from console.browser import CHROMIUM, CHROMIUM_ARGS, require_chromium

    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def chromium(chromium_process: Browser) -> Iterator[Browser]:
    """The module's Chromium for one test: every context (and page) the test opened is
    closed at its end, where a browser of its own would have been closed."""
    yield chromium_process
    for context in list(chromium_process.contexts):
        context.close()
