"""Timed jobs: run each tick in their own transaction, once across nodes on PostgreSQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from muster.db import Database
from muster.scheduler import ScheduledJob, _claim, run_jobs_once


class TestRunJobsOnce:
    """Every job runs with the current time; one failing job does not stop the others."""

    def test_each_job_runs_and_reports(self, db: Database) -> None:
        """Both jobs run and their counts are returned by name."""
        seen: list[datetime] = []

        def first(session: Session, *, now: datetime) -> int:
            seen.append(now)
            return 2

        def second(session: Session, *, now: datetime) -> int:
            return 0

        jobs = [ScheduledJob("first", first, 1), ScheduledJob("second", second, 2)]
        assert run_jobs_once(db, jobs) == {"first": 2, "second": 0}
        assert len(seen) == 1
        assert seen[0].tzinfo is not None

    def test_failing_job_is_rolled_back_and_others_run(self, db: Database) -> None:
        """A job that raises leaves nothing written and the next job still runs."""

        def broken(session: Session, *, now: datetime) -> int:
            session.execute(
                text(
                    "INSERT INTO zones (id, name, kind, description, created_at, updated_at) "
                    "VALUES ('z1', 'Half-written', 'internal', '', :t, :t)"
                ),
                {"t": now.replace(tzinfo=None)},
            )
            raise RuntimeError("boom")

        def fine(session: Session, *, now: datetime) -> int:
            return 1

        jobs = [ScheduledJob("broken", broken, 3), ScheduledJob("fine", fine, 4)]
        assert run_jobs_once(db, jobs) == {"fine": 1}
        with db.session_scope(write=False) as session:
            assert session.execute(text("SELECT count(*) FROM zones")).scalar() == 0


class TestOneNodeAtATime:
    """On PostgreSQL a job held by one node's transaction is skipped by another."""

    def test_second_claim_fails_while_first_holds(self, db: Database) -> None:
        """Only one of two concurrent transactions may claim the same job."""
        job = ScheduledJob("exclusive", lambda session, *, now: 0, 99)
        first = db.write_session()
        second = db.write_session()
        try:
            assert _claim(first, job)
            if db.is_sqlite:
                return  # one SQLite node; nothing to exclude
            assert not _claim(second, job)
            first.rollback()
            assert _claim(second, job)
        finally:
            first.close()
            second.close()
