"""Timed work (escalations, overdue deliveries, check-ups due) run exactly once.

Each job is a plain function ``job(session, *, now) -> int`` that does whatever has come
due and returns how many things it handled. Its state lives in the database (due times on
rows), so a restart loses nothing. The scheduler calls every job about four times a second,
each in its own transaction. With several app nodes on PostgreSQL, a job runs on one node
at a time: it takes a transaction-level advisory lock, and a node that cannot get it skips
that tick (the other node is doing the work).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from muster import clock
from muster.agreements.overdue import run_overdue_terms
from muster.comms.escalation import run_due_escalations
from muster.db import Database
from muster.events.checkpoints import run_due_checkpoint
from muster.logistics.deliveries import run_overdue_deliveries
from muster.posts.quiet import run_quiet_posts
from muster.welfare.checkups import run_due_checkups

log = logging.getLogger(__name__)

TICK_SECONDS = 0.25

Job = Callable[..., int]

# Every timed job by its "module:function" name (the name keys its advisory lock).
JOBS: dict[str, Job] = {
    "muster.comms.escalation:run_due_escalations": run_due_escalations,
    "muster.logistics.deliveries:run_overdue_deliveries": run_overdue_deliveries,
    "muster.welfare.checkups:run_due_checkups": run_due_checkups,
    "muster.events.checkpoints:run_due_checkpoint": run_due_checkpoint,
    "muster.posts.quiet:run_quiet_posts": run_quiet_posts,
    "muster.agreements.overdue:run_overdue_terms": run_overdue_terms,
}


@dataclass(frozen=True)
class ScheduledJob:
    """A timed job and the advisory-lock key that keeps it to one node."""

    name: str
    run: Job
    lock_key: int


def _lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:7], "big")


def load_jobs(names: tuple[str, ...] = tuple(JOBS)) -> list[ScheduledJob]:
    """The timed jobs named (all of them by default), each with its lock key."""
    unknown = [name for name in names if name not in JOBS]
    if unknown:
        raise ValueError(f"no timed job named {', '.join(unknown)}; known: {', '.join(JOBS)}")
    return [ScheduledJob(name, JOBS[name], _lock_key(name)) for name in names]


def _claim(session: Session, job: ScheduledJob) -> bool:
    if session.get_bind().dialect.name != "postgresql":
        return True  # one SQLite node; its write transaction already serialises
    got = session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": job.lock_key})
    return bool(got.scalar())


def run_jobs_once(db: Database, jobs: list[ScheduledJob]) -> dict[str, int]:
    """Run every job once, each in its own transaction; a failing job does not stop the rest."""
    handled: dict[str, int] = {}
    for job in jobs:
        try:
            with db.session_scope() as session:
                if _claim(session, job):
                    handled[job.name] = job.run(session, now=clock.now())
        except Exception:
            log.exception("timed job %s failed; it will run again next tick", job.name)
    return handled


async def run_forever(db: Database, jobs: list[ScheduledJob], tick: float = TICK_SECONDS) -> None:
    """Run the jobs every ``tick`` seconds until cancelled."""
    while True:
        await asyncio.to_thread(run_jobs_once, db, jobs)
        await asyncio.sleep(tick)
