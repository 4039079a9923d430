"""The sealer across nodes: one leads, the other takes over when it dies, mid-batch too."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Connection, create_engine, func, insert, select, text

from harness.nodes import Node
from harness.waiting import until
from muster import clock
from muster.db import Database
from muster.events.models import Event, PendingEvent
from muster.events.sealer import PENDING_CHANNEL, PG_SEALER_LOCK
from muster.events.service import verify_chain

pytestmark = pytest.mark.production
KIND = "test.sealer.crash"

_LEADER = text(
    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
    "AND classid = :hi AND objid = :lo AND objsubid = 1 "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


@pytest.fixture
def admin(pg_url: str) -> Iterator[Database]:
    """The test's own connections to the nodes' database (it runs no sealer itself)."""
    db = Database(pg_url)
    yield db
    db.dispose()


def _leader(db: Database) -> int | None:
    """The backend pid of the connection holding the sealer's lock, if any."""
    with db.engine.connect() as conn:
        return conn.execute(
            _LEADER, {"hi": PG_SEALER_LOCK >> 32, "lo": PG_SEALER_LOCK & 0xFFFFFFFF}
        ).scalar()


def _write_pending(db: Database, numbers: range) -> None:
    """Commit events unsealed, as writers on any node do, and wake the sealer."""
    now = clock.now()
    rows = [
        {
            "at": now,
            "kind": KIND,
            "actor_id": "system:test",
            "actor": "test",
            "subjects": [f"person-{n}"],
            "payload": {"n": n},
        }
        for n in numbers
    ]
    with db.engine.begin() as conn:
        conn.execute(insert(PendingEvent.__table__), rows)
        conn.execute(text("SELECT pg_notify(:c, '')"), {"c": PENDING_CHANNEL})


def _counts(db: Database) -> tuple[int, int]:
    with db.session_scope(write=False) as s:
        pending = s.scalar(select(func.count()).select_from(PendingEvent)) or 0
        sealed = s.scalar(select(func.count()).select_from(Event).where(Event.kind == KIND)) or 0
    return pending, sealed


def _sealer_waiting_on_lock(conn: Connection, pid: int) -> bool:
    state = conn.execute(
        text("SELECT wait_event_type, query FROM pg_stat_activity WHERE pid = :p"), {"p": pid}
    ).first()
    return state is not None and state[0] == "Lock" and "INSERT INTO events" in state[1]


class TestSealerFailover:
    """PostgreSQL: the sealer's lock moves to the surviving node; no event is lost or doubled."""

    def test_node_killed_mid_batch_loses_nothing_and_the_other_node_seals(
        self, pg_url: str, admin: Database, nodes: Callable[..., Node]
    ) -> None:
        """Node A leads and seals; killed with a batch half written, node B seals it all once."""
        a = nodes(pg_url, fast=True)
        assert until(lambda: _leader(admin) is not None)
        leader_a = _leader(admin)
        b = nodes(pg_url, fast=True)
        _write_pending(admin, range(0, 50))
        assert until(lambda: _counts(admin) == (0, 50))
        assert _leader(admin) == leader_a  # B stood by while A lived

        # Hold the subjects table so A's next batch stops inside its one statement, after
        # its events rows are inserted and before it can commit.
        blocker = create_engine(admin.engine.url, isolation_level="AUTOCOMMIT")
        try:
            with blocker.connect() as hold, blocker.connect() as watch:  # autocommit: fresh stats
                hold.exec_driver_sql("BEGIN")
                hold.exec_driver_sql("LOCK TABLE event_subjects IN EXCLUSIVE MODE")
                _write_pending(admin, range(50, 80))
                assert leader_a is not None
                assert until(lambda: _sealer_waiting_on_lock(watch, leader_a))
                a.kill()
                hold.exec_driver_sql("ROLLBACK")
        finally:
            blocker.dispose()

        assert until(lambda: _leader(admin) not in (None, leader_a))
        assert until(lambda: _counts(admin) == (0, 80))
        with admin.session_scope(write=False) as s:
            events = s.scalars(select(Event).where(Event.kind == KIND).order_by(Event.seq)).all()
            report = verify_chain(s)
        assert Counter(e.payload["n"] for e in events) == Counter(range(80))
        assert [e.seq for e in events] == list(range(events[0].seq, events[0].seq + 80))
        assert report.ok, report
        assert b.alive
