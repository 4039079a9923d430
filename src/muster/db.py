"""Database engine, sessions and the declarative base.

SQLite runs in WAL mode with ``synchronous=FULL``, foreign keys on and a busy timeout.
Write transactions on SQLite start with ``BEGIN IMMEDIATE``: they take the write lock up
front, so two writers queue on the busy timeout instead of one failing when it upgrades a
stale read snapshot. Read-only sessions start a plain deferred transaction.

Writers of one process take turns on a file before they ask SQLite for its lock (a
``threading.Lock`` per file, held from ``BEGIN IMMEDIATE`` until the commit or rollback
returns). SQLite's busy handler sleeps 1, 2, 5, 10 ms and more between attempts, so a
lock given back while the others slept stayed idle: 8 writer threads committed hardly
more than one did. A thread waiting for its turn is woken the moment it is given back.
Other processes on the same file still queue on the busy timeout.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, String, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 10_000


class Base(DeclarativeBase):
    """Base of every table."""

    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use muster.clock.now() or an aware time")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def new_id() -> str:
    """A fresh identifier for a row: a UUID4 in text, short enough to read aloud in part."""
    return str(uuid.uuid4())


def id_column_type() -> String:
    """The type of every id column."""
    return String(36)


class _SQLiteConnection(sqlite3.Connection):
    """A SQLite connection that gives back its process's write turn on the file when its
    transaction ends (the turn is taken at ``BEGIN IMMEDIATE``, see ``_configure_sqlite``)."""

    write_turn: threading.Lock | None = None

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.end_turn()

    def end_turn(self) -> None:
        turn, self.write_turn = self.write_turn, None
        if turn is not None:
            turn.release()


_write_turns: dict[str, threading.Lock] = {}
_write_turns_lock = threading.Lock()


def _write_turn(path: str) -> threading.Lock:
    """This process's turn at writing the SQLite file at ``path``."""
    with _write_turns_lock:
        return _write_turns.setdefault(path, threading.Lock())


def _take_turn(dbapi_connection: Any, path: str) -> None:
    """Wait for this process's turn at the file (at most the busy timeout; past it, SQLite's
    own lock decides, as it did before turns: a thread that already writes the file in
    another transaction gets SQLite's "database is locked", not a wait for ever)."""
    if not isinstance(dbapi_connection, _SQLiteConnection) or dbapi_connection.write_turn:
        return
    turn = _write_turn(path)
    if turn.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
        dbapi_connection.write_turn = turn


def _configure_sqlite(engine: Engine) -> None:
    name = str(engine.url.database or "")
    shared_file = bool(name) and ":memory:" not in name and not name.startswith("file:")
    path = os.path.abspath(name) if shared_file else name

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        begin = conn.get_execution_options().get("sqlite_begin", "BEGIN")
        dbapi_connection = conn.connection.dbapi_connection
        if begin == "BEGIN IMMEDIATE" and shared_file:
            _take_turn(dbapi_connection, path)
        try:
            conn.exec_driver_sql(begin)
        except BaseException:
            if isinstance(dbapi_connection, _SQLiteConnection):
                dbapi_connection.end_turn()
            raise


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url`` with Muster's connection settings."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            echo=echo,
            connect_args={
                "check_same_thread": False,
                "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
                "factory": _SQLiteConnection,
            },
            # Pooled (a file): opening a connection re-runs the pragmas, and closing the
            # last one checkpoints the WAL, which would cost more than the commit itself.
            **({} if ":memory:" in url else {"pool_size": 5, "max_overflow": 10}),
        )
        _configure_sqlite(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)


class Database:
    """One database: its engine and the two kinds of session Muster uses."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine = make_engine(url, echo=echo)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        write_bind = (
            self.engine.execution_options(sqlite_begin="BEGIN IMMEDIATE")
            if self.is_sqlite
            else self.engine
        )
        self._writer = sessionmaker(bind=write_bind, expire_on_commit=False)
        self._reader = sessionmaker(bind=self.engine, expire_on_commit=False)

    def write_session(self) -> Session:
        """A session for a transaction that will write."""
        return self._writer()

    def read_session(self) -> Session:
        """A session for a transaction that only reads."""
        return self._reader()

    @contextmanager
    def session_scope(self, *, write: bool = True) -> Iterator[Session]:
        """One transaction: commit on success, roll back on any error."""
        session = self.write_session() if write else self.read_session()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
