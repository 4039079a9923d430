"""Tests for muster.events.service: appending, reading and verifying the log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from harness.threads import run_together
from muster import clock
from muster.db import Database
from muster.events.bus import get_bus
from muster.events.chain import GENESIS_HASH
from muster.events.models import Event, EventSubject
from muster.events.service import (
    EventFilter,
    append_event,
    events_after,
    last_seq,
    list_events,
    verify_chain,
)
from muster.policy.actor import Actor

ACTOR = Actor.system("test")


def _append(db: Database, kind: str = "test.thing.done", **kw: object) -> None:
    with db.session_scope() as s:
        append_event(s, kind=kind, actor=ACTOR, **kw)  # type: ignore[arg-type]


def _fail_after_appending(db: Database, n: int) -> None:
    with db.session_scope() as s:
        for _ in range(n):
            append_event(s, kind="test.thing.lost", actor=ACTOR)
        raise RuntimeError("the transaction fails after appending")


def _seqs(db: Database) -> list[int]:
    with db.session_scope(write=False) as s:
        return list(s.scalars(select(Event.seq).order_by(Event.seq)))


class TestAppend:
    """Appending chains each event to the one before, in the caller's transaction."""

    def test_first_event_links_to_genesis_and_next_links_to_it(self, db: Database) -> None:
        """Seq starts at 1 and every prev_hash is the hash of the event before."""
        _append(db)
        _append(db, subjects=["p1"], payload={"n": 1})
        with db.session_scope(write=False) as s:
            first, second = s.scalars(select(Event).order_by(Event.seq)).all()
        assert (first.seq, first.prev_hash) == (1, GENESIS_HASH)
        assert (second.seq, second.prev_hash) == (2, first.hash)
        assert second.payload == {"n": 1}

    def test_several_events_in_one_transaction_are_consecutive(self, db: Database) -> None:
        """A batch in one transaction gets consecutive seqs and a verified chain."""
        with db.session_scope() as s:
            for i in range(5):
                append_event(s, kind="test.batch.item", actor=ACTOR, payload={"i": i})
        assert _seqs(db) == [1, 2, 3, 4, 5]
        with db.session_scope(write=False) as s:
            assert verify_chain(s).ok

    def test_subjects_are_indexed_without_duplicates_or_blanks(self, db: Database) -> None:
        """Subjects are de-duplicated, blanks dropped, and each one indexed."""
        _append(db, subjects=["a", "b", "a", ""])
        with db.session_scope(write=False) as s:
            rows = s.execute(select(EventSubject.seq, EventSubject.subject)).all()
            event = s.scalars(select(Event)).one()
        assert sorted(rows) == [(1, "a"), (1, "b")]
        assert event.subjects == ["a", "b"]

    def test_appended_event_is_visible_to_reads_in_the_same_transaction(self, db: Database) -> None:
        """Reads later in the transaction see the event appended before them."""
        with db.session_scope() as s:
            append_event(s, kind="test.thing.done", actor=ACTOR)
            assert last_seq(s) == 1
            assert [e.seq for e in events_after(s, seq=0)] == [1]

    def test_rolled_back_transaction_leaves_no_event_and_no_gap(self, db: Database) -> None:
        """Events of a failed transaction vanish and the next event takes their seq."""
        _append(db)
        with pytest.raises(RuntimeError):
            _fail_after_appending(db, 2)
        _append(db)
        assert _seqs(db) == [1, 2]
        with db.session_scope(write=False) as s:
            assert verify_chain(s).ok

    def test_rolled_back_savepoint_drops_only_its_events(self, db: Database) -> None:
        """A savepoint's events go with it; events appended before it stay and chain on."""
        with db.session_scope() as s:
            append_event(s, kind="test.outer.before", actor=ACTOR)
            nested = s.begin_nested()
            append_event(s, kind="test.inner.dropped", actor=ACTOR)
            nested.rollback()
            append_event(s, kind="test.outer.after", actor=ACTOR)
        with db.session_scope(write=False) as s:
            kinds = list(s.scalars(select(Event.kind).order_by(Event.seq)))
            assert verify_chain(s).ok
        assert kinds == ["test.outer.before", "test.outer.after"]

    def test_events_written_inside_a_rolled_back_savepoint_are_rewritten(
        self, db: Database
    ) -> None:
        """An event appended before a savepoint but flushed inside it survives its rollback."""
        with db.session_scope() as s:
            append_event(s, kind="test.outer.before", actor=ACTOR)
            nested = s.begin_nested()
            assert last_seq(s) == 1  # this read writes the pending event inside the savepoint
            append_event(s, kind="test.inner.dropped", actor=ACTOR)
            nested.rollback()
        assert _seqs(db) == [1]

    def test_commit_publishes_only_committed_events(
        self, db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The bus hears of committed events, never of rolled-back ones."""
        heard: list[list[dict[str, object]]] = []
        monkeypatch.setattr(get_bus(str(db.engine.url)), "publish", heard.append)
        with pytest.raises(RuntimeError):
            _fail_after_appending(db, 1)
        _append(db, kind="test.thing.kept")
        assert [[(e["seq"], e["kind"]) for e in batch] for batch in heard] == [
            [(1, "test.thing.kept")]
        ]

    def test_a_released_savepoint_publishes_nothing(
        self, db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Releasing a savepoint commits nothing: the bus hears of the events only when the
        outer transaction commits, and never if it rolls back."""
        heard: list[list[dict[str, object]]] = []
        monkeypatch.setattr(get_bus(str(db.engine.url)), "publish", heard.append)
        s = db.write_session()
        try:
            append_event(s, kind="test.outer.rolled_back", actor=ACTOR)
            with s.begin_nested():
                append_event(s, kind="test.inner.rolled_back", actor=ACTOR)
            assert heard == []
            s.rollback()
            assert heard == []
            append_event(s, kind="test.outer.kept", actor=ACTOR)
            with s.begin_nested():
                append_event(s, kind="test.inner.kept", actor=ACTOR)
            assert heard == []
            s.commit()
        finally:
            s.close()
        assert [[e["kind"] for e in batch] for batch in heard] == [
            ["test.outer.kept", "test.inner.kept"]
        ]
        assert _seqs(db) == [1, 2]


class TestConcurrentAppends:
    """Writers in several threads and sessions keep the chain linear and gapless."""

    def test_threads_appending_at_once_keep_the_chain(self, db: Database) -> None:
        """Eight threads, ten transactions each: seqs 1..80, chain verified."""

        def writer(n: int) -> None:
            for i in range(10):
                _append(db, payload={"writer": n, "i": i})

        assert run_together(8, writer) == []
        assert _seqs(db) == list(range(1, 81))
        with db.session_scope(write=False) as s:
            report = verify_chain(s)
        assert (report.ok, report.checked) == (True, 80)

    def test_two_databases_objects_on_one_store_keep_the_chain(self, db: Database) -> None:
        """Two engines on the same database (as two app nodes) interleave correctly."""
        other = Database(db.url)
        try:
            for _ in range(5):
                _append(db)
                _append(other)
        finally:
            other.dispose()
        with db.session_scope(write=False) as s:
            assert verify_chain(s).checked == 10


class TestVerifyChain:
    """Verification recomputes every hash and names the first event that fails."""

    def test_empty_log_verifies(self, db: Database) -> None:
        """An empty log is a valid chain of length zero."""
        with db.session_scope(write=False) as s:
            assert verify_chain(s) == verify_chain(s).__class__(True, 0)

    def test_altered_payload_is_named(self, db: Database) -> None:
        """Changing one row's payload by hand breaks the chain at that seq."""
        for i in range(4):
            _append(db, payload={"i": i})
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE events SET payload = :p WHERE seq = 3"), {"p": '{"i": 99}'})
        with db.session_scope(write=False) as s:
            report = verify_chain(s)
        assert (report.ok, report.first_bad_seq, report.checked) == (False, 3, 2)
        assert "content" in (report.problem or "")

    def test_deleted_row_is_named_as_missing(self, db: Database) -> None:
        """Deleting a row names the missing seq."""
        for _ in range(4):
            _append(db, subjects=["x"])
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM event_subjects WHERE seq = 2"))
            conn.execute(text("DELETE FROM events WHERE seq = 2"))
        with db.session_scope(write=False) as s:
            report = verify_chain(s)
        assert (report.ok, report.first_bad_seq) == (False, 2)
        assert "missing" in (report.problem or "")

    def test_relinked_row_is_named(self, db: Database) -> None:
        """A row whose prev_hash was rewritten is named even if its own hash is recomputed."""
        for _ in range(3):
            _append(db)
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE events SET prev_hash = :h WHERE seq = 2"), {"h": "f" * 64})
        with db.session_scope(write=False) as s:
            assert verify_chain(s).first_bad_seq == 2


class TestListEvents:
    """Listing filters by kind (exact or prefix), subject, time range and seq."""

    def _seed(self, db: Database) -> datetime:
        base = datetime(2031, 5, 1, 12, 0, tzinfo=UTC)
        specs = [
            ("people.person.created", ["p1"]),
            ("people.person.updated", ["p1"]),
            ("access.decided", ["p2", "door"]),
            ("people.party.created", ["party"]),
        ]
        for minute, (kind, subjects) in enumerate(specs):
            with clock.frozen_at(base + timedelta(minutes=minute)):
                _append(db, kind=kind, subjects=subjects)
        return base

    def test_filters(self, db: Database) -> None:
        """Each filter selects exactly the matching events, in seq order."""
        base = self._seed(db)
        cases = [
            (EventFilter(kind="people."), [1, 2, 4]),
            (EventFilter(kind="people.person."), [1, 2]),
            (EventFilter(kind="access.decided"), [3]),
            (EventFilter(kind="access"), []),
            (EventFilter(subject="p1"), [1, 2]),
            (EventFilter(since=base + timedelta(minutes=1)), [2, 3, 4]),
            (EventFilter(until=base + timedelta(minutes=2)), [1, 2]),
            (EventFilter(after_seq=2), [3, 4]),
            (EventFilter(kind="people.", after_seq=1, subject="p1"), [2]),
        ]
        with db.session_scope(write=False) as s:
            for flt, expected in cases:
                rows, total = list_events(s, flt=flt)
                assert ([r.seq for r in rows], total) == (expected, len(expected)), flt

    def test_paging(self, db: Database) -> None:
        """Limit and offset page through the matches; the total counts them all."""
        self._seed(db)
        with db.session_scope(write=False) as s:
            rows, total = list_events(s, flt=EventFilter(), limit=2, offset=1)
        assert ([r.seq for r in rows], total) == ([2, 3], 4)
