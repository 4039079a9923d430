"""Fixtures of the production tests: databases that real ``muster serve`` nodes share."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from harness.nodes import Node, prepare_for_nodes, stamp_head
from harness.pgtemplate import clone_database
from harness.zygote import Zygote
from muster.auth import service as auth_service
from muster.db import Database
from muster.policy.actor import Actor

PG_ENV = "MUSTER_TEST_DATABASE_URL"


def pytest_configure(config: pytest.Config) -> None:
    """Register this folder's markers (the suite runs with --strict-markers)."""
    config.addinivalue_line("markers", "production: starts real nodes; slow, runs in CI")
    config.addinivalue_line(
        "markers", "pg_restart: restarts the shared PostgreSQL; only with MUSTER_ALLOW_PG_RESTART=1"
    )


def _pg_admin_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"PostgreSQL not configured: set {PG_ENV} to run these tests")
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL database of this test's own, with every table, dropped afterwards."""
    admin_url = _pg_admin_url()
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    url = clone_database(admin, "muster_p")  # every table, from the schema's template
    db = Database(url)
    stamp_head(db)
    db.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite file with every table, for one node."""
    url = f"sqlite:///{tmp_path / 'node.db'}"
    db = Database(url)
    prepare_for_nodes(db)
    db.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def any_url(request: pytest.FixtureRequest) -> str:
    """A prepared database on each backend."""
    return str(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url"))


def admin_token(url: str, username: str = "admin-test") -> str:
    """An administrator account and its API token in the database at ``url``; the secret."""
    db = Database(url)
    try:
        with db.session_scope() as s:
            auth_service.create_account(
                s,
                username=username,
                display_name=username,
                roles=["admin"],
                password="correct horse battery",
                actor=Actor.system("test"),
            )
            _t, secret = auth_service.create_token(
                s, name=f"t-{username}", username=username, scopes=[], actor=Actor.system("test")
            )
        return secret
    finally:
        db.dispose()


@pytest.fixture(scope="session")
def zygote() -> Iterator[Zygote]:
    """One pre-loaded parent forking nodes for the whole run."""
    z = Zygote()
    yield z
    z.close()


@pytest.fixture
def nodes(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[..., Node]]:
    """Start nodes (``fast``: forked from the zygote, else ``muster serve``); all killed after."""
    started: list[Node] = []

    def start(url: str, *, fast: bool = False, **env: str) -> Node:
        node = Node(
            url,
            env=env,
            log_path=tmp_path / f"node-{len(started)}.log",
            zygote=request.getfixturevalue("zygote") if fast else None,
        )
        node.start()
        started.append(node)
        node.wait_ready()
        return node

    yield start
    for node in started:
        node.kill()
