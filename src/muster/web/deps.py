"""Request dependencies: the database session, the acting operator, paging."""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import weakref
from collections.abc import Callable, Iterator
from typing import Annotated, TypeVar

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from muster.access.policy_store import sync_active_engine
from muster.auth.service import token_actor, web_session_actor
from muster.db import Database
from muster.errors import DomainError, Forbidden
from muster.policy.actor import Actor

SESSION_COOKIE = "muster_session"
CSRF_HEADER = "x-csrf-token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_OFFSET = 2**31 - 1  # past what every backend's integer holds, a query would fail
T = TypeVar("T")


class Unauthenticated(DomainError):
    """No valid sign-in came with the request."""

    status = 401
    title = "Sign-in required"
    headers = {"WWW-Authenticate": 'Bearer realm="muster"'}


def get_database(request: Request) -> Database:
    """The app's database."""
    db: Database = request.app.state.db
    return db


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request, committed before the response is sent."""
    db = get_database(request)
    session = db.read_session() if request.method in _SAFE_METHODS else db.write_session()
    try:
        # Every authorization in this request runs on the policy activated last, whichever
        # node activated it (one indexed read; the parsed policy is swapped only on change).
        sync_active_engine(session)
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def write_gate(db: Database) -> contextlib.AbstractContextManager[object]:
    """What a whole write request holds: on SQLite, the database's write gate.

    SQLite has one writer at a time (``BEGIN IMMEDIATE``); a writer that finds it taken
    polls on the busy timeout with sleeps of 1 to 100 ms, which turns a burst of requests
    into a convoy. Queued on a lock instead, the next writer starts as soon as the last one
    commits. PostgreSQL needs none (its lock waits wake at once).
    """
    if not db.is_sqlite:
        return contextlib.nullcontext()
    gate = _gates.get(db)
    if gate is None:
        with _gates_lock:
            gate = _gates.get(db)
            if gate is None:
                gate = _gates[db] = SqliteWriteGate(db.engine.url.database or "")
    return gate


class SqliteWriteGate:
    """One write request at a time: a thread lock within the process and, for a database
    file, an exclusive ``flock`` on ``<file>-writegate`` across the processes of
    ``muster serve --workers N``. Writers that do not take it (the CLI, timed jobs) still
    wait on SQLite's busy timeout as before; the gate only orders those that do."""

    def __init__(self, path: str) -> None:
        self._lock = threading.Lock()
        self._fd = -1
        if path and path != ":memory:" and not path.startswith("file:"):
            self._fd = os.open(f"{path}-writegate", os.O_RDWR | os.O_CREAT, 0o600)
            weakref.finalize(self, os.close, self._fd)  # closed with its database's gate

    def __enter__(self) -> SqliteWriteGate:
        self._lock.acquire()
        if self._fd >= 0:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX)
            except BaseException:
                self._lock.release()
                raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._fd >= 0:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._lock.release()


# Held weakly by the database: an ``id()`` is reused once its object is gone, and a new
# database would have taken the old one's gate (its lock file included).
_gates: weakref.WeakKeyDictionary[Database, SqliteWriteGate] = weakref.WeakKeyDictionary()
_gates_lock = threading.Lock()


def in_write_transaction(request: Request, work: Callable[[Session, Actor], T]) -> T:
    """Run a whole write request in the calling thread, committed before it returns.

    The same as ``SessionDep`` and ``CurrentActor`` with ``work`` as the endpoint, without
    the trips through the event loop between them: the transaction (and SQLite's write
    lock) is held only while this thread works. Called by async endpoints on the hot path
    through ``run_in_threadpool``.
    """
    db = get_database(request)
    with write_gate(db):
        session = db.write_session()
        try:
            sync_active_engine(session)
            result = work(session, get_actor(request, session))
            session.commit()
            return result
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


def get_actor(request: Request, session: SessionDep) -> Actor:
    """The signed-in operator (cookie, with CSRF on writes) or device (bearer token)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return token_actor(session, header[7:].strip())
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        found = web_session_actor(session, cookie)
        if found is not None:
            actor, csrf = found
            if request.method not in _SAFE_METHODS and request.headers.get(CSRF_HEADER) != csrf:
                raise Forbidden("missing or wrong CSRF token; reload the page and try again")
            request.state.csrf_token = csrf
            return actor
    raise Unauthenticated(
        "sign in first: send 'Authorization: Bearer <token>' (muster token create) "
        "or sign in to the console"
    )


CurrentActor = Annotated[Actor, Depends(get_actor)]


async def require_credentials(request: Request) -> None:
    """401 before the body is even validated when a request brings no sign-in at all.

    For routes that check the actor inside ``in_write_transaction``: the same answer to an
    anonymous caller as ``CurrentActor`` gives (the credentials themselves are checked
    there, against the database, before any work).
    """
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return
    if request.cookies.get(SESSION_COOKIE):
        return
    raise Unauthenticated(
        "sign in first: send 'Authorization: Bearer <token>' (muster token create) "
        "or sign in to the console"
    )


class PageParams:
    """``limit`` and ``offset`` of a list request."""

    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=500, description="Items per page")] = 50,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip")] = 0,
    ) -> None:
        self.limit = limit
        self.offset = offset


PageDep = Annotated[PageParams, Depends()]
