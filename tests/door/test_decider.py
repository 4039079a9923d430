"""The decision thread: requests that arrive together share a commit, each answered after it."""

from __future__ import annotations

import signal
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from door.conftest import DoorKit
from harness.nodes import free_port
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


# A door controller in a process of its own over DIR, serving PORTAL on PORT (never fresh:
# its exits are denied failing secure, and journalled like every decision).
_DOOR_PROCESS = """
import sys
from pathlib import Path
from muster.door.controller import DoorConfig, DoorController
from muster.door.server import create_door_app, serve
data, portal, port = sys.argv[1:]
door = DoorController(DoorConfig(portals=(portal,), data_dir=Path(data)))
serve(create_door_app(door), host="127.0.0.1", port=int(port), log_level="warning")
"""


class TestKilledDoor:
    """A door process killed while readers wait loses no decision it answered."""

    def test_every_answered_decision_is_in_the_journal(self, kit: DoorKit, tmp_path: Path) -> None:
        """Four readers ask at once, again and again; the door is killed (SIGKILL) while
        requests are decided and committed. Opened again, its journal holds every request
        a reader was answered, each once."""
        data = tmp_path / "killed"
        data.mkdir()
        with (
            sqlite3.connect(kit.data_dir / "replica.db") as source,
            sqlite3.connect(data / "replica.db") as copy,
        ):
            source.backup(copy)
        port = free_port()
        portal = kit.ids["South airlock"]
        child = subprocess.Popen(
            [sys.executable, "-c", _DOOR_PROCESS, str(data), portal, str(port)]
        )
        answered: list[str] = []
        stop = threading.Event()

        def reader() -> None:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
                while not stop.is_set():
                    try:
                        answer = http.post(
                            f"/api/v1/portals/{portal}/requests",
                            json={"persons": ["Ana"], "direction": "exit"},
                        )
                    except httpx.TransportError:
                        return  # the door is gone
                    assert answer.status_code == 200, answer.text
                    answered.append(answer.json()["request_id"])

        try:
            assert until(lambda: _listening(port))
            readers = [threading.Thread(target=reader) for _ in range(4)]
            for t in readers:
                t.start()
            assert until(lambda: len(answered) >= 40)
            child.send_signal(signal.SIGKILL)
            child.wait()
        finally:
            stop.set()
            child.kill()
            child.wait()
        for t in readers:
            t.join()
        keys = [e.key for e in Journal(data / "journal.db").entries()]
        assert len(keys) == len(set(keys))
        assert set(answered) <= set(keys), set(answered) - set(keys)


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0
