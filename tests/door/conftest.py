"""Fixtures of the door tests: a live server that can be cut and restarted, a door on it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from access.station import build_station
from harness.nodes import free_port
from harness.threaded import start_server, stop_server
from harness.waiting import BOUND
from muster.auth.service import create_account
from muster.config import Settings
from muster.db import Database
from muster.door.controller import DoorConfig, DoorController
from muster.door.enrol import enrol_door
from muster.door.freshness import Freshness
from muster.door.link import Link
from muster.events import bus as bus_module
from muster.events.rows import rows_head
from muster.events.service import last_seq
from muster.people.enums import Affiliation
from muster.policy.actor import Actor
from muster.policy.engine import install_engine
from muster.web.app import create_app

MakeClient = Callable[..., TestClient]


@dataclass
class LiveServer:
    """The app served by uvicorn in a thread; stopping it cuts every door's link."""

    app: FastAPI
    port: int = field(default_factory=free_port)
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveServer:
        """Serve (again, on the same port)."""
        self._server, self._thread = start_server(
            self.app, self.port, lifespan="off", ws="none", timeout_graceful_shutdown=1
        )
        return self

    def stop(self) -> None:
        """Stop serving; open streams are cut."""
        assert self._server is not None
        assert self._thread is not None
        stop_server(self._server, self._thread)


class FakeClock:
    """A monotonic clock the test moves by hand, so freshness never depends on timing."""

    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value

    def advance(self, seconds: float) -> None:
        """Move time on."""
        self.value += seconds


@dataclass
class DoorKit:
    """A station on a live server and a door controller following it."""

    db: Database
    server: LiveServer
    door: DoorController
    link: Link
    clock: FakeClock
    token: str
    ids: dict[str, str]
    data_dir: Path

    def heads(self) -> tuple[int, int]:
        """The server's event seq and row version n now."""
        with self.db.session_scope(write=False) as s:
            return last_seq(s), rows_head(s)[0]

    def caught_up(self, timeout: float = BOUND) -> int:
        """Wait until the door's journal is uploaded and it has applied everything the server
        holds then (its own uploads are events too); that seq."""
        assert self.door.journal.wait_uploaded(timeout), self.door.journal.pending()
        seq, _n = self.heads()
        assert self.door.freshness.wait_for(lambda f: f.applied_seq >= seq, timeout), (
            self.door.health()
        )
        return seq

    def restart_door(self) -> None:
        """Stop the door and start it again on the same files."""
        self.link.stop()
        self.door = DoorController(
            DoorConfig(portals=self.door.config.portals, data_dir=self.data_dir),
            Freshness(self.clock),
        )
        self.link = Link(self.door, server_url=self.server.url, token=self.token).start()

    def decide(self, person: str, direction: str, portal: str = "South airlock") -> Any:
        """The door's decision for one person."""
        from muster.access.enums import Direction

        return self.door.decide(
            portal_id=self.ids[portal], person_refs=[person], direction=Direction(direction)
        )


def enrol(db: Database, portals: tuple[str, ...], name: str = "south-door") -> str:
    """A device account for a door and its token, enrolled for ``portals`` (the secret)."""
    with db.session_scope() as s:
        create_account(
            s,
            username=name,
            display_name=f"Door {name}",
            roles=["device"],
            password="a door's unused password",
            actor=Actor.system("test"),
        )
        _token, secret, _names = enrol_door(
            s, name=name, username=name, portals=list(portals), actor=Actor.system("test")
        )
    return secret


@pytest.fixture(autouse=True)
def _fresh_bus(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bus of this test's own: on PostgreSQL every test truncates the same database, and
    the process's bus would remember the previous test's head (a log never shrinks in use)."""
    monkeypatch.setitem(bus_module._buses, str(db.engine.url), bus_module.Bus())


@pytest.fixture(autouse=True)
def _shipped_policy() -> Iterator[None]:
    """Every test starts and ends on the shipped policy."""
    install_engine(None)
    yield
    install_engine(None)


@pytest.fixture
def kit(
    db: Database, settings: Settings, make_client: MakeClient, tmp_path: Path
) -> Iterator[DoorKit]:
    """The test station, with Ana (a resident with an approved consent case for the docked
    vessel) in the South corridor, served live, and a door for the South airlock and the
    hospital door following it with a door token enrolled for those two portals."""
    with db.session_scope() as s:
        st = build_station(s)
        st.add_person("Ana", Affiliation.RESIDENT, zone="south")
        st.add_person("Bo", Affiliation.CREW, zone="south")
        st.consent_case("Ana")
        ids = {name: p.id for name, p in st.persons.items()}
        ids.update({name: p.id for name, p in st.portals.items()})
    portals = ("South airlock", "Hospital door")
    token = enrol(db, portals)
    server = LiveServer(create_app(settings, db)).start()
    clock = FakeClock()
    data_dir = tmp_path / "door"
    door = DoorController(
        DoorConfig(portals=portals, data_dir=data_dir),
        Freshness(clock),
    )
    link = Link(door, server_url=server.url, token=token).start()
    built = DoorKit(db, server, door, link, clock, token, ids, data_dir)
    built.caught_up()
    try:
        yield built
    finally:
        built.link.stop()
        server.stop()
