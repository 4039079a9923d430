"""Running a checked scenario: build the station, replay the injects, check the outcome.

Each inject is one transaction through the same services the API uses, under the clock
frozen at the exercise's time, so the record carries the exercise's times and actors, and
every event it writes is marked ``exercise: true``. A plan runs only on an exercise
database (``muster.scenario.exercise``), never on a production-mode station's.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from muster import clock
from muster.auth.models import Account
from muster.auth.service import actor_for
from muster.db import Database
from muster.errors import DomainError
from muster.events.service import last_seq
from muster.policy.actor import Actor
from muster.policy.authorize import authorize
from muster.scenario.actions import ActionContext
from muster.scenario.checks import CheckContext
from muster.scenario.exercise import claim_exercise_database, mark_session_exercise
from muster.scenario.loader import SYSTEM_ACTOR, Plan, Step
from muster.scenario.model import format_offset
from muster.scenario.station import StationFailed, build_station

SETUP_ACTOR = Actor.system("exercise")


class RunStopped(Exception):
    """Part of the file could not be carried out as written; the run stopped there."""

    def __init__(self, source: str, line: int, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(f"{source}:{line}: {message}")

    @classmethod
    def at_step(cls, plan: Plan, step: Step, message: str) -> RunStopped:
        """The run stopped at an inject."""
        inject = step.inject
        said = f"{format_offset(inject.at)} {inject.action} by {inject.actor}: {message}"
        return cls(plan.source, step.line, said)


@dataclass(frozen=True)
class InjectOutcome:
    """What one inject did."""

    line: int
    at: datetime
    offset: timedelta
    actor: str
    action: str
    refused: bool
    detail: str


@dataclass(frozen=True)
class ExpectationOutcome:
    """Whether one expectation held."""

    name: str
    held: bool
    detail: str
    line: int


@dataclass
class RunReport:
    """The outcome of a run: what happened and whether every expectation held."""

    scenario: str
    start: datetime
    end: datetime
    injects: list[InjectOutcome] = field(default_factory=list)
    expectations: list[ExpectationOutcome] = field(default_factory=list)
    passwords: dict[str, str] = field(default_factory=dict)
    events: int = 0

    @property
    def passed(self) -> bool:
        """True when every expectation held."""
        return all(e.held for e in self.expectations)

    def to_json(self) -> dict[str, Any]:
        """The report as ``muster scenario run --json`` prints it (never the passwords)."""
        return {
            "passed": self.passed,
            "scenario": self.scenario,
            "injects": len(self.injects),
            "events": self.events,
            "expectations": [
                {"name": e.name, "held": e.held, "detail": e.detail} for e in self.expectations
            ],
        }


def _actors(db: Database, usernames: set[str]) -> dict[str, Actor]:
    found = {SYSTEM_ACTOR: SETUP_ACTOR}
    with db.session_scope(write=False) as session:
        for account in session.scalars(select(Account).where(Account.username.in_(usernames))):
            found[account.username] = actor_for(account)
    return found


def _run_step(
    db: Database,
    plan: Plan,
    step: Step,
    *,
    at: datetime,
    actor: Actor,
    groups: dict[str, list[str]],
    doors: Any = None,
) -> InjectOutcome:
    inject = step.inject
    done: str | None = None
    try:
        with clock.frozen_at(at), db.session_scope() as session:
            mark_session_exercise(session)
            if step.action.permission:
                authorize(actor, step.action.permission)
            context = ActionContext(session, actor, at, groups, doors)
            done = step.action.handler(context, step.args) or ""
            if inject.refused:
                session.rollback()  # the file says this must not happen: keep it out of the record
    except DomainError as exc:
        if not inject.refused:
            raise RunStopped.at_step(plan, step, f"refused: {exc.message}") from exc
        return InjectOutcome(
            step.line, at, inject.at, inject.actor, inject.action, True, exc.message
        )
    if inject.refused:
        raise RunStopped.at_step(plan, step, f"expected to be refused, but was done: {done}")
    return InjectOutcome(step.line, at, inject.at, inject.actor, inject.action, False, done)


def run_plan(
    db: Database, plan: Plan, *, start: datetime | None = None, doors: Any = None
) -> RunReport:
    """Run ``plan`` on ``db`` (already migrated) and check its expectations; with ``doors``
    (a ``muster.door.exercise.DoorBank``) the airlocks decide at door controllers.

    The exercise starts at ``start``, else the file's ``start``, else so that its last
    inject falls on the present moment. Raises ``RunStopped`` if the station cannot be
    built or an inject goes otherwise than the file says, and Forbidden on a production-mode
    database that holds a station's register (``exercise.claim_exercise_database``).
    """
    with db.session_scope() as session:
        claim_exercise_database(session, actor=SETUP_ACTOR)
    scenario = plan.scenario
    duration = plan.steps[-1].inject.at if plan.steps else timedelta(0)
    start = start or scenario.start or (clock.now() - duration).replace(microsecond=0)
    report = RunReport(scenario.scenario, start, start + duration)
    try:
        with clock.frozen_at(start), db.session_scope() as session:
            mark_session_exercise(session)
            report.passwords = build_station(session, station=scenario.station, actor=SETUP_ACTOR)
    except StationFailed as exc:
        where = ".".join(str(p) for p in exc.path)
        raise RunStopped(plan.source, plan.line_of(exc.path), f"{where}: {exc.message}") from exc
    actors = _actors(db, {step.inject.actor for step in plan.steps})
    groups = scenario.groups()  # the file's, the same for every step (generated persons too)
    for step in plan.steps:
        at = start + step.inject.at
        actor = actors[step.inject.actor]
        report.injects.append(
            _run_step(db, plan, step, at=at, actor=actor, groups=groups, doors=doors)
        )
    with clock.frozen_at(report.end), db.session_scope(write=False) as session:
        ctx = CheckContext(session, scenario.groups())
        for check in plan.checks:
            try:
                result = check.check.handler(ctx, check.args)
                held, detail = result.held, result.detail
            except DomainError as exc:
                held, detail = False, exc.message
            report.expectations.append(
                ExpectationOutcome(check.expectation.name, held, detail, check.line)
            )
        report.events = last_seq(session)
    return report


def prepare(db: Database) -> str | None:
    """Migrate an empty database and create its administrator; refuse a stale one.

    Returns the administrator's one-time password when it was created, else None.
    """
    from muster.web.server import prepare_database

    return prepare_database(db)


def fresh_sqlite(path: Path) -> Database:
    """An empty SQLite database at ``path``, replacing whatever was there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    return Database(f"sqlite:///{path}")


@contextmanager
def throwaway_database() -> Iterator[Database]:
    """A temporary SQLite database, deleted afterwards."""
    with tempfile.TemporaryDirectory(prefix="muster-exercise-") as folder:
        db = fresh_sqlite(Path(folder) / "exercise.db")
        try:
            yield db
        finally:
            db.dispose()
