"""Wake-ups across app nodes through PostgreSQL LISTEN/NOTIFY."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from harness.waiting import BOUND
from muster.db import Database
from muster.events.bus import Bus
from muster.events.listener import NotifyListener
from muster.events.service import append_event
from muster.policy.actor import Actor


class TestNotifyListener:
    """A node's bus is woken with the newest seq when another node commits events."""

    def test_commit_on_one_node_wakes_the_other(self, db: Database) -> None:
        """Node B's bus learns of node A's committed event within a second or two."""
        if db.is_sqlite:
            pytest.skip("LISTEN/NOTIFY is PostgreSQL's; a single SQLite node needs no wake-up")
        node_b = Database(db.url)
        bus = Bus()
        listener = NotifyListener(node_b.engine.url, bus, poll_seconds=0.1)
        listener.start()
        try:
            assert listener.connected.wait(BOUND)
            with db.session_scope() as session:
                append_event(session, kind="test.noted", actor=Actor.system("a"), payload={})
                append_event(session, kind="test.noted", actor=Actor.system("a"), payload={})
            woken = asyncio.run(bus.wait(0, timeout=BOUND))
            assert woken
            assert bus.latest_seq == 2
        finally:
            listener.stop()
            node_b.dispose()

    def test_rolled_back_events_wake_nobody(self, db: Database) -> None:
        """NOTIFY is transactional: a rollback sends nothing."""
        if db.is_sqlite:
            pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
        bus = Bus()
        listener = NotifyListener(db.engine.url, bus, poll_seconds=0.1)
        listener.start()
        try:
            assert listener.connected.wait(BOUND)
            session = db.write_session()
            append_event(session, kind="test.noted", actor=Actor.system("a"), payload={})
            session.execute(text("SELECT 1"))  # writes the event and its NOTIFY
            assert session.execute(text("SELECT count(*) FROM events")).scalar() == 1
            session.rollback()
            session.close()
            assert not asyncio.run(bus.wait(0, timeout=0.5))
            assert bus.latest_seq == 0
        finally:
            listener.stop()
