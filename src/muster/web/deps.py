"""Request dependencies: the database session, the acting operator, paging."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from muster.access.policy_store import sync_active_engine
from muster.auth.actor import Actor
from muster.auth.service import token_actor, web_session_actor
from muster.db import Database
from muster.errors import DomainError, Forbidden

SESSION_COOKIE = "muster_session"
CSRF_HEADER = "x-csrf-token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_OFFSET = 2**31 - 1  # past what every backend's integer holds, a query would fail


class Unauthenticated(DomainError):
    """No valid sign-in came with the request."""

    status = 401
    title = "Sign-in required"


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
