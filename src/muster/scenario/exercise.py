"""Exercise databases, and the mark every event an exercise writes carries.

An exercise runs on a database made for it (a new one, with no one registered yet: the
runner marks it as an exercise's before building its station, like the throwaway and demo
databases) or on any database while ``MUSTER_MODE`` is ``dev`` or ``demo``. A station's
production-mode database is never an exercise's: a scenario refuses to run on it, and
``--as`` at the command line refuses to act on it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.config import Mode, get_settings
from muster.errors import Conflict, Forbidden
from muster.events.models import Event
from muster.events.service import EVENT_MARKS, append_event
from muster.people.models import Person
from muster.policy.actor import Actor

MARKED = "scenario.exercise.database_marked"


def is_marked(session: Session) -> bool:
    """True when this database was made for an exercise."""
    return session.scalar(select(Event.seq).where(Event.kind == MARKED).limit(1)) is not None


def is_exercise_database(session: Session) -> bool:
    """True when exercises may run here: dev or demo mode, or a database made for one."""
    return get_settings().mode is not Mode.PRODUCTION or is_marked(session)


def _is_new(session: Session) -> bool:
    return session.scalar(select(Person.id).limit(1)) is None


def claim_exercise_database(session: Session, *, actor: Actor) -> None:
    """Make sure an exercise may run here: dev or demo mode, a database made for one, or a
    new database (then marked as an exercise's). Forbidden, saying what to do instead, on
    a production-mode database that holds a station's register."""
    if is_exercise_database(session):
        return
    if not _is_new(session):
        raise Forbidden(
            "this is a production-mode database, not an exercise's: an exercise's events "
            "would enter the station's record. Run it with --throwaway, or on a database of "
            "its own with MUSTER_MODE=dev"
        )
    mark_exercise_database(session, actor=actor)


def mark_exercise_database(session: Session, *, actor: Actor) -> None:
    """Mark a new database as made for an exercise; refused once anyone is registered."""
    if is_marked(session):
        return
    if not _is_new(session):
        raise Conflict(
            "only a new database can be marked as an exercise's; this one holds a register"
        )
    append_event(session, kind=MARKED, actor=actor, payload={"exercise": True})


def mark_session_exercise(session: Session, **marks: str) -> None:
    """Every event this session appends from now on carries ``exercise: true`` (and
    ``marks``, e.g. who entered a step taken in another's name)."""
    session.info[EVENT_MARKS] = {"exercise": True, **marks}
