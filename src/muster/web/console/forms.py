"""Small pieces every console form shares: refusing with the reason, reading times, names.

A refused form rolls the request's transaction back and returns to the page it came from
with the reason as the notice, the same words the API would give.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from fastapi import Request
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from muster.errors import DomainError, Invalid
from muster.people.models import Person
from muster.web.console.rendering import redirect


def refused(request: Request, session: Session, back: str, exc: Exception) -> Response:
    """Undo the request's changes and go back to ``back`` with the reason."""
    session.rollback()
    return redirect(request, back, f"Refused: {reason_of(exc)}")


def reason_of(exc: Exception) -> str:
    """The words of a refusal: a domain error's message, or what a form field lacks."""
    if isinstance(exc, DomainError):
        return exc.message
    if isinstance(exc, ValidationError):
        parts = []
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"])
            parts.append(f"{field}: {error['msg']}" if field else str(error["msg"]))
        return "; ".join(parts)
    return str(exc)


def when_of(text: str, label: str) -> datetime | None:
    """A date and time typed in a form (UTC when no zone is given); None when left empty."""
    if not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise Invalid(f"give '{label}' as a date and time, e.g. 2031-05-04T14:30") from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def person_names(session: Session, ids: Iterable[str | None]) -> dict[str, str]:
    """The name of each person id given (read only); unknown ids are left out."""
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    rows = session.execute(select(Person.id, Person.name).where(Person.id.in_(wanted)))
    return {row[0]: row[1] for row in rows}


def persons_for_pick(session: Session, limit: int = 500) -> list[tuple[str, str]]:
    """Active persons as (id, name) for a form's list, by name (read only)."""
    rows = session.execute(
        select(Person.id, Person.name)
        .where(Person.archived_at.is_(None))
        .order_by(Person.name)
        .limit(limit)
    )
    return [(row[0], row[1]) for row in rows]
