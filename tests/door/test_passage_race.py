"""One permit, one passage: two readers reporting passages for the same permit at once.

The door checks that a permit is unspent and journals the passage that spends it; if two
passages could both check before either journalled, one permit would let two passages
through (found by review: both got 201 on one decision). The checks and the entry are one
step now (``DoorController._passages``). Here the first passage to look at the spent
permits is held until the second could have looked too (a barrier it waits at for a
while); the second must still find the permit spent.
"""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from door.conftest import DoorKit
from harness.waiting import until
from muster.door.decider import _Stage
from muster.door.server import create_door_app

SECRET = "reader secret of the south door"
HELD_FOR = 2.0  # seconds the first passage waits at the barrier for the second


def test_two_passages_at_once_for_one_permit(kit: DoorKit, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two readers report Ana's exit with different keys at once: one 201, one 409."""
    app = create_door_app(kit.door, reader_secret=SECRET)
    headers = {"Authorization": f"Bearer {SECRET}"}
    portal = kit.ids["South airlock"]
    with TestClient(app, headers=headers) as first, TestClient(app, headers=headers) as second:
        answer = first.post(
            f"/api/v1/portals/{portal}/requests", json={"persons": ["B-Ana"], "direction": "exit"}
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["allowed"] == 1

        both_looked = threading.Barrier(2, timeout=HELD_FOR)
        looked_up = kit.door.journal.permits_spent

        def held_lookup() -> Any:
            spent = looked_up()
            # The second reader looks now too, if it can; if it cannot, it waits its turn.
            with contextlib.suppress(threading.BrokenBarrierError):
                both_looked.wait()
            return spent

        monkeypatch.setattr(kit.door.journal, "permits_spent", held_lookup)

        def report(reader: TestClient, key: str) -> Any:
            return reader.post(
                f"/api/v1/portals/{portal}/passages",
                json={"person": "Ana", "direction": "exit"},
                headers={"Idempotency-Key": key},
            )

        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(report, (first, second), ("race-1", "race-2")))
    codes = sorted(a.status_code for a in answers)
    assert codes == [201, 409], [a.text for a in answers]
    refused = next(a for a in answers if a.status_code == 409)
    assert "no recent unused permit" in refused.json()["detail"]
    passages = [e for e in kit.door.journal.entries() if e.kind == "passage"]
    assert len(passages) == 1


def test_a_replica_behind_is_waited_for_once_a_batch(
    kit: DoorKit, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Eight requests queued while the replica is only behind wait for it once between them,
    not once each (found by review: eight requests took eight heartbeats, 2 s)."""
    app = create_door_app(kit.door, reader_secret=SECRET)
    headers = {"Authorization": f"Bearer {SECRET}"}
    portal = kit.ids["Hospital door"]
    kit.link.stop()  # nothing applies what the door is told of: it stays behind
    fresh = kit.door.freshness
    fresh.heard_head(fresh.applied_seq, fresh.applied_rows + 5)
    assert fresh.only_behind()
    waits: list[int] = []
    decider = app.state.decider

    def counted_catch_up(timeout: float = 0.0) -> bool:
        waits.append(1)
        # Hold the first wait until the other seven are queued behind it.
        until(lambda: len(waits) > 1 or decider._deciding.waiting() == 7)
        return False

    monkeypatch.setattr(fresh, "catch_up", counted_catch_up)

    def ask(reader: TestClient) -> Any:
        return reader.post(
            f"/api/v1/portals/{portal}/requests", json={"persons": ["Ana"], "direction": "enter"}
        )

    with TestClient(app, headers=headers) as reader, ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(ask, [reader] * 8))
    assert [a.status_code for a in answers] == [200] * 8, [a.text for a in answers]
    assert len(waits) == 2  # the first request's batch, then the seven queued behind it


def test_a_stage_whose_thread_could_not_start_runs_at_the_next_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A decision thread that fails to start (the process out of threads) leaves its
    requests queued; the next request starts it and both are handled (review: the stage
    stayed marked running and never ran again)."""
    handled: list[int] = []
    done = threading.Event()

    def handle(batch: list[int]) -> None:
        handled.extend(batch)
        if len(handled) == 2:
            done.set()

    stage: _Stage[int] = _Stage("test-stage", handle)
    start = threading.Thread.start
    failures = iter([RuntimeError("can't start new thread")])

    def start_once_failing(thread: threading.Thread) -> None:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", start_once_failing)
    with pytest.raises(RuntimeError, match="can't start new thread"):
        stage.put([1])
    stage.put([2])
    assert done.wait(timeout=60), handled
    assert sorted(handled) == [1, 2]
