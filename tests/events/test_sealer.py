"""Tests for muster.events.sealer: events committed unsealed, sequenced and chained after."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from access.station import build_station
from harness.threaded import serving
from harness.threads import run_together
from harness.waiting import until
from muster import clock
from muster.config import Settings
from muster.db import Database
from muster.events.bus import get_bus
from muster.events.models import Event, EventSubject, PendingEvent, RowVersion
from muster.events.seal_process import SealerLink, start_node_sealer
from muster.events.sealer import Sealer, sealer_for, stop_sealers
from muster.events.service import AWAIT_SEAL, append_event, verify_chain
from muster.people.enums import Affiliation
from muster.places.enums import ZoneKind
from muster.places.models import Zone
from muster.policy.actor import Actor
from muster.web.app import create_app

ACTOR = Actor.system("test")
KIND = "test.sealer.appended"


def _deferred(db: Database, *, await_seal: bool = False, **payload: object) -> None:
    with db.session_scope() as s:
        if await_seal:
            s.info[AWAIT_SEAL] = True
        append_event(
            s, kind=KIND, actor=ACTOR, subjects=["p1", "portal-7"], payload=payload, defer_seal=True
        )


def _pending(db: Database) -> int:
    with db.session_scope(write=False) as s:
        return s.scalar(select(func.count()).select_from(PendingEvent)) or 0


def _sealed(db: Database) -> list[Event]:
    with db.session_scope(write=False) as s:
        return list(s.scalars(select(Event).where(Event.kind == KIND).order_by(Event.seq)))


class TestConcurrentWriters:
    """Eight writers committing unsealed events: each is sealed once, in one linear chain."""

    def test_eight_writers_every_event_sealed_once_and_chain_verifies(self, db: Database) -> None:
        """80 events from 8 threads: seqs 1..80, each (writer, i) once, nothing left pending."""

        def writer(n: int) -> None:
            for i in range(10):
                _deferred(db, writer=n, i=i)

        assert run_together(8, writer) == []
        assert until(lambda: _pending(db) == 0 and len(_sealed(db)) == 80)
        events = _sealed(db)
        assert [e.seq for e in events] == list(range(1, 81))
        seen = Counter((e.payload["writer"], e.payload["i"]) for e in events)
        assert set(seen.values()) == {1}
        assert len(seen) == 80
        with db.session_scope(write=False) as s:
            report = verify_chain(s)
            subjects = s.scalar(select(func.count()).select_from(EventSubject))
        assert (report.ok, report.checked) == (True, 80)
        assert subjects == 160

    def test_awkward_text_and_json_are_sealed_as_written(self, db: Database) -> None:
        """Quotes, braces, backslashes, commas and non-ASCII in subjects and payload, floats,
        nesting and no subjects at all: the sealed events read back as appended and the
        chain verifies (the batch is written as one JSON document on PostgreSQL)."""
        odd = ['a"b', "c{d}", "e\\f", "g,h", "Åsa Öberg", "línea\nnueva", "NULL"]
        payloads: list[dict[str, Any]] = [
            {"text": "“quoted” \\ {braces} [brackets]", "n": 1.25, "big": 2**53 + 1},
            {"nested": {"list": [1, "two", None, True, {"x": -0.5}]}, "empty": {}},
            {},
        ]
        with db.session_scope() as s:
            s.info[AWAIT_SEAL] = True
            append_event(
                s, kind=KIND, actor=ACTOR, subjects=odd, payload=payloads[0], defer_seal=True
            )
            append_event(
                s, kind=KIND, actor=ACTOR, subjects=[], payload=payloads[1], defer_seal=True
            )
            append_event(
                s, kind=KIND, actor=ACTOR, subjects=["ok"], payload=payloads[2], defer_seal=True
            )
        events = _sealed(db)
        assert [e.payload for e in events] == payloads
        assert [list(e.subjects) for e in events] == [odd, [], ["ok"]]
        with db.session_scope(write=False) as s:
            assert verify_chain(s).ok
            found = s.scalars(select(EventSubject.subject).where(EventSubject.seq == events[0].seq))
            assert sorted(found) == sorted(odd)

    def test_stream_bus_gets_sealed_events_in_order_once(self, db: Database) -> None:
        """What the live streams read from memory is the sealed log, in seq order, no repeats."""
        for i in range(20):
            _deferred(db, i=i)
        assert until(lambda: len(_sealed(db)) == 20)
        sealed = _sealed(db)
        bus = get_bus(str(db.engine.url))

        def published() -> list[dict[str, object]]:
            ring = bus.recent_after(sealed[0].seq - 1, 20, last_hash=sealed[0].prev_hash)
            return [item for item in ring or [] if item["kind"] == KIND]

        # The sealer publishes just after its commit: wait for the ring to hold all twenty.
        assert until(lambda: len(published()) == 20)
        mine = published()
        assert [item["seq"] for item in mine] == [e.seq for e in sealed]
        assert [item["hash"] for item in mine] == [e.hash for e in sealed]


class TestReadYourWrites:
    """A writer that answers with its event can wait for the seal at commit."""

    def test_commit_with_await_seal_returns_sealed(self, db: Database) -> None:
        """With AWAIT_SEAL the event is in the log, sealed, as soon as the commit returns."""
        _deferred(db, await_seal=True, n=1)
        events = _sealed(db)
        assert [e.payload for e in events] == [{"n": 1}]
        assert _pending(db) == 0

    def test_deferred_event_has_no_seq_in_its_transaction(self, db: Database) -> None:
        """The caller cannot mistake a pending event for a sealed one."""
        with db.session_scope() as s:
            event = append_event(s, kind=KIND, actor=ACTOR, defer_seal=True)
            assert event.seq is None
            assert event.hash == ""
        assert until(lambda: len(_sealed(db)) == 1)


class TestSealedInline:
    """Where the seq is needed in the transaction, deferred events are sealed there."""

    def test_with_a_sealed_event_in_the_same_transaction(self, db: Database) -> None:
        """Mixed with events chained at once, deferred ones keep the order they were appended
        in (an acknowledgement before the roll call it completes), all in the same commit."""
        with db.session_scope() as s:
            append_event(s, kind=KIND, actor=ACTOR, payload={"n": 1}, defer_seal=True)
            second = append_event(s, kind=KIND, actor=ACTOR, payload={"n": 2})
            append_event(s, kind=KIND, actor=ACTOR, payload={"n": 3}, defer_seal=True)
        events = _sealed(db)
        assert [(e.seq, e.payload["n"]) for e in events] == [(1, 1), (2, 2), (3, 3)]
        assert second.seq == 2
        assert _pending(db) == 0

    def test_savepoint_rolled_back_gives_back_events_deferred_before_it(self, db: Database) -> None:
        """Deferred before a savepoint, chained inside it by a sealed append that rolls back:
        the deferred event is still written, the rolled back one is not."""
        with db.session_scope() as s:
            append_event(s, kind=KIND, actor=ACTOR, payload={"n": "kept"}, defer_seal=True)
            nested = s.begin_nested()
            append_event(s, kind=KIND, actor=ACTOR, payload={"n": "dropped"})
            assert s.scalar(select(func.count()).select_from(Event)) == 2  # both written
            nested.rollback()
        assert until(lambda: _pending(db) == 0 and len(_sealed(db)) == 1)
        assert [(e.seq, e.payload) for e in _sealed(db)] == [(1, {"n": "kept"})]
        with db.session_scope(write=False) as s:
            assert verify_chain(s).ok

    def test_with_audited_rows_the_row_versions_name_its_seq(self, db: Database) -> None:
        """A row written beside a deferred event: its version is linked to the sealed seq."""
        with db.session_scope() as s:
            now = clock.now()
            s.add(Zone(name="Ring C", kind=ZoneKind.INTERNAL, created_at=now, updated_at=now))
            append_event(s, kind=KIND, actor=ACTOR, subjects=["ring-c"], defer_seal=True)
        events = _sealed(db)
        assert [e.seq for e in events] == [1]
        with db.session_scope(write=False) as s:
            versions = s.scalars(select(RowVersion).where(RowVersion.table_name == "zones")).all()
        assert [v.seq for v in versions] == [1]

    def test_savepoint_rolled_back_drops_its_deferred_event(self, db: Database) -> None:
        """An event deferred inside a savepoint that rolls back is never written."""
        with db.session_scope() as s:
            append_event(s, kind=KIND, actor=ACTOR, payload={"n": "kept"}, defer_seal=True)
            nested = s.begin_nested()
            append_event(s, kind=KIND, actor=ACTOR, payload={"n": "dropped"}, defer_seal=True)
            nested.rollback()
        assert until(lambda: _pending(db) == 0 and len(_sealed(db)) == 1)
        assert [e.payload for e in _sealed(db)] == [{"n": "kept"}]

    def test_savepoint_marks_stay_out_of_payloads(self, db: Database) -> None:
        """A savepoint's bookkeeping is not mixed into the events appended after it."""
        with db.session_scope() as s:
            s.begin_nested().commit()
            append_event(s, kind=KIND, actor=ACTOR, payload={"n": 1})
        assert [e.payload for e in _sealed(db)] == [{"n": 1}]


class TestSealerThread:
    """The process's sealer for a database leads, seals what is pending and reports delays."""

    def test_pending_rows_left_by_a_dead_writer_are_sealed(self, db: Database) -> None:
        """Rows committed to pending_events with no writer alive are sealed once it runs."""
        with db.session_scope() as s:
            s.add_all(
                PendingEvent(
                    at=clock.now(),
                    kind=KIND,
                    actor_id=ACTOR.id,
                    actor=ACTOR.label,
                    subjects=[],
                    payload={"n": n},
                )
                for n in range(3)
            )
        sealer = sealer_for(db.engine)
        sealer.ensure_running()
        sealer.wake()
        assert until(lambda: _pending(db) == 0 and len(_sealed(db)) == 3)
        assert [e.payload["n"] for e in _sealed(db)] == [0, 1, 2]
        with db.session_scope(write=False) as s:
            assert verify_chain(s).ok


class TestTwoSealersOnPostgres:
    """PostgreSQL: one sealer leads; a writer whose own sealer stands by waits on the other."""

    def test_standby_writer_waits_for_the_leader_then_takes_over(self, db: Database) -> None:
        """Node B leads and seals A's awaited commit; B stops, and A's sealer takes the lock."""
        if db.is_sqlite:
            pytest.skip("SQLite has no sealer leadership: each process seals for itself")
        stop_sealers()
        other = Database(db.url)
        leader = Sealer(other.engine)
        try:
            leader.ensure_running(keep=True)
            assert until(lambda: leader.leader)
            _deferred(db, await_seal=True, n=1)  # returns once B has sealed it
            assert [e.payload for e in _sealed(db)] == [{"n": 1}]
            assert not sealer_for(db.engine).leader
            assert leader.sealed == 1
        finally:
            leader.stop()
            other.dispose()
        _deferred(db, await_seal=True, n=2)
        assert sealer_for(db.engine).leader
        assert [e.payload for e in _sealed(db)] == [{"n": 1}, {"n": 2}]
        with db.session_scope(write=False) as s:
            assert verify_chain(s).ok


class TestNodeSealerProcess:
    """PostgreSQL: the node's sealer in a process of its own, as ``muster serve`` runs it."""

    def test_writers_of_the_node_wait_through_it_and_take_over_when_it_dies(
        self, db: Database
    ) -> None:
        """The sealer process leads and seals this process's writes, awaited or not; killed,
        this process's own sealer takes the lock and the next awaited commit is sealed."""
        if db.is_sqlite:
            pytest.skip("SQLite chains deferred events in the writer's transaction")
        stop_sealers()
        node = start_node_sealer(db.url)
        try:
            assert until(lambda: node.link.counters()[0] == node.process.pid)  # it leads
            _deferred(db, await_seal=True, n=1)  # returns once the process has sealed it
            assert [e.payload for e in _sealed(db)] == [{"n": 1}]
            local = sealer_for(db.engine)
            assert not local.leader
            assert local.node_leads()  # so this process's writers send no NOTIFY
            _deferred(db, n=2)  # not awaited: woken through the FIFO, sealed soon after
            assert until(lambda: _pending(db) == 0 and len(_sealed(db)) == 2)

            node.process.kill()  # SIGKILL: its connection, lock and FIFO reader go with it
            node.process.wait()
            _deferred(db, await_seal=True, n=3)
            assert [e.payload for e in _sealed(db)] == [{"n": 1}, {"n": 2}, {"n": 3}]
            assert local.leader
            assert _pending(db) == 0
        finally:
            node.stop()
            stop_sealers()
        with db.session_scope(write=False) as s:
            assert verify_chain(s).ok

    def test_folders_of_killed_nodes_are_removed_and_live_ones_kept(self) -> None:
        """A node killed with SIGKILL leaves its folder; the next node's start removes it,
        and leaves a folder whose owner still runs."""
        dead = subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"],
            capture_output=True,
            text=True,
            check=True,
        )
        orphan, live = SealerLink.create(), SealerLink.create()
        Path(orphan.folder, "owner").write_text(dead.stdout.strip())
        try:
            fresh = SealerLink.create()
            shutil.rmtree(fresh.folder)
            assert not Path(orphan.folder).exists()
            assert Path(live.folder).is_dir()
        finally:
            shutil.rmtree(live.folder, ignore_errors=True)


class TestDeferredOverHttp:
    """Airlock decisions are sealed after commit: the reply, the log and a live stream agree."""

    def test_decisions_reach_a_live_stream_sealed_in_order_once(
        self, db: Database, settings: Settings, make_client: Callable[..., TestClient]
    ) -> None:
        """A guard's group request: once answered its four decisions are in the log; an open
        console's stream gives every event after its start once, in seq order, sealed; the
        chain verifies."""
        with db.session_scope() as s:
            st = build_station(s)
            for i in range(3):
                st.add_person(f"V{i}", Affiliation.VISITOR, party=st.vessel, zone="south")
            st.add_person("Ana", Affiliation.RESIDENT, zone="south")
            portal = st.portals["South airlock"].id
        guard, admin = make_client("guard"), make_client("admin")
        start = admin.get("/api/v1/events", params={"limit": 1}).json()["total"]
        sealed_before = sealer_for(db.engine).sealed
        app = create_app(settings, db)
        auth = {"authorization": admin.headers["authorization"]}
        with (
            serving(app, lifespan="off", ws="none", timeout_graceful_shutdown=1) as url,
            httpx.Client(base_url=url, headers=auth, timeout=httpx.Timeout(10.0)) as http,
            http.stream("GET", "/api/v1/events/stream", params={"after": start}) as stream,
        ):
            assert stream.status_code == 200
            answer = guard.post(
                f"/api/v1/portals/{portal}/requests",
                json={"persons": ["V0", "V1", "V2", "B-Ana"], "direction": "exit"},
            )
            assert answer.status_code == 200, answer.text
            # Answered after the seal: the log already holds the four decisions.
            logged = admin.get("/api/v1/events", params={"kind": "access.decided"}).json()
            assert logged["total"] == 4
            last = max(e["seq"] for e in logged["items"])
            got = _read_stream(stream.iter_lines(), last)
        assert [e["seq"] for e in got] == list(range(start + 1, last + 1))
        decided = [e for e in got if e["kind"] == "access.decided"]
        assert sorted(e["payload"]["person"] for e in decided) == ["Ana", "V0", "V1", "V2"]
        assert all(len(e["hash"]) == 64 for e in got)
        if not db.is_sqlite:  # on SQLite deferred events are chained in the commit itself
            assert sealer_for(db.engine).sealed >= sealed_before + 4
        assert _pending(db) == 0
        with db.session_scope(write=False) as s:
            assert verify_chain(s).ok


def _read_stream(lines: Iterator[str], last_seq: int) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    for line in lines:
        if line.startswith("data: "):
            got.append(json.loads(line[6:]))
            if got[-1]["seq"] >= last_seq:
                break
    return got
