"""The decision thread: requests that arrive together share a commit, each answered after it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from door.conftest import DoorKit
from harness.waiting import until
from muster.door.journal import Journal
from muster.door.server import create_door_app


class HeldCommit:
    """The journal's commit, held at its start until released; counts each batch's rows.
    ``failing``: every commit raises, as a disk that stopped taking writes would."""

    def __init__(self, journal: Journal) -> None:
        self.real = journal._commit
        self.sizes: list[int] = []
        self.open = threading.Event()
        self.failing = False

    def __call__(self, rows: list[dict[str, Any]]) -> None:
        self.sizes.append(len(rows))
        self.open.wait()
        if self.failing:
            raise OSError("disk I/O error")
        self.real(rows)


@pytest.fixture
def held(kit: DoorKit, monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldCommit]:
    """The door's journal commits held until the test releases them."""
    gate = HeldCommit(kit.door.journal)
    monkeypatch.setattr(kit.door.journal, "_commit", gate)
    try:
        yield gate
    finally:
        gate.open.set()


def _ask(reader: TestClient, kit: DoorKit, person: str) -> Any:
    return reader.post(
        f"/api/v1/portals/{kit.ids['South airlock']}/requests",
        json={"persons": [person], "direction": "exit"},
    )


class TestGroupCommit:
    """Requests that queue while a commit is under way are decided and committed together."""

    def test_each_answered_after_the_commit_holding_it(
        self, kit: DoorKit, held: HeldCommit
    ) -> None:
        """Ana's request waits in its commit: no answer, nothing on disk. Bo's and Ana's
        next requests queue meanwhile and share the next commit. Every answer is in the
        journal, by its request id."""
        app = create_door_app(kit.door)
        reader = TestClient(app)
        with ThreadPoolExecutor(3) as pool:
            first = pool.submit(_ask, reader, kit, "Ana")
            assert until(lambda: held.sizes == [1])
            assert not first.done()
            assert kit.door.journal.entries() == []
            others = [pool.submit(_ask, reader, kit, p) for p in ("Bo", "Ana")]
            assert until(lambda: app.state.decider.waiting_commit() == 2)
            held.open.set()
            answers = [f.result() for f in (first, *others)]
        assert [a.status_code for a in answers] == [200, 200, 200], [a.text for a in answers]
        assert held.sizes == [1, 2]
        assert [a.json()["allowed"] for a in answers] == [1, 0, 1]
        journalled = {e.key for e in kit.door.journal.entries()}
        assert journalled == {a.json()["request_id"] for a in answers}

    def test_a_failed_commit_answers_no_decision(self, kit: DoorKit, held: HeldCommit) -> None:
        """The journal cannot commit (as if the door died before its fsync): both readers
        of the batch get a 500, neither a permit, and nothing is journalled. Once it can
        commit again the next request is decided and journalled."""
        app = create_door_app(kit.door)
        reader = TestClient(app, raise_server_exceptions=False)
        held.failing = True
        with ThreadPoolExecutor(2) as pool:
            first = pool.submit(_ask, reader, kit, "Ana")
            assert until(lambda: len(held.sizes) == 1)
            second = pool.submit(_ask, reader, kit, "Ana")
            assert until(lambda: app.state.decider.waiting_commit() == 1)
            held.open.set()
            answers = [first.result(), second.result()]
        assert [a.status_code for a in answers] == [500, 500]
        assert all("allowed" not in a.text for a in answers)
        assert kit.door.journal.entries() == []
        held.failing = False
        again = _ask(reader, kit, "Ana")
        assert again.status_code == 200, again.text
        assert [e.key for e in kit.door.journal.entries()] == [again.json()["request_id"]]
