"""Doors under traffic while the server is killed, and while one door's link is cut; JSON.

``muster serve`` runs in its own process on a SQLite station (tests/access/station.py with
``--persons`` residents, each with consent to go to the docked vessel, and as many crew).
``--doors`` door controllers in this process (each its replica, journal and link, an
enrolled door token each) serve the South airlock and the Hospital door; a driver thread
per door asks it, ``--rate`` times a second, in turn for an airlock exit (a resident), an
airlock entry (a crew member: denied by anti-passback, but decided) and an internal
passage (a crew member through the Hospital door).

Phases: ``warm`` (``--warm`` s); ``server_down`` (the server SIGKILLed for ``--down`` s);
``restarted`` (``--after`` s); ``link_cut`` (door 0's link refuses every connection for
``--cut`` s, its open stream cut; the others untouched); ``restored`` (``--after`` s). Per
phase, door and kind: decisions, permitted, and those denied failing secure
(``door.failed_secure``). Then traffic stops, the journals drain, and the central record is
checked: every journalled request is stored once with each of its decisions, nothing
else from the doors is there, and the event chain and the row projection verify.

Usage:
    uv run python bench/door_outage.py [--down 60] [--cut 20] [--rate 10] [--doors 2]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))

from sqlalchemy import func, select

from access.station import build_station
from harness.nodes import Node, prepare_for_nodes
from muster.access.enums import Direction
from muster.access.models import Decision
from muster.auth import service as auth_service
from muster.db import Database
from muster.door.controller import STALE_RULE, DoorConfig, DoorController
from muster.door.enrol import enrol_door
from muster.door.journal import REQUEST
from muster.door.link import Link
from muster.events.rows import verify_projection
from muster.events.service import last_seq, verify_chain
from muster.people.enums import Affiliation
from muster.policy.actor import Actor

SYSTEM = Actor.system("bench")
PORTALS = ("South airlock", "Hospital door")
KINDS = ("airlock_exit", "airlock_entry", "internal")


class Cuttable(httpx.HTTPTransport):
    """An HTTP transport that refuses every connection while ``cut`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.cut = threading.Event()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Refuse while cut; otherwise send."""
        if self.cut.is_set():
            raise httpx.ConnectError("link cut (bench)", request=request)
        return super().handle_request(request)


def _setup(db: Database, persons: int, doors: int) -> dict[str, Any]:
    prepare_for_nodes(db)
    with db.session_scope() as s:
        st = build_station(s)
        for i in range(persons):
            st.add_person(f"R{i}", Affiliation.RESIDENT, zone="south")
            st.consent_case(f"R{i}")
            st.add_person(f"C{i}", Affiliation.CREW, zone="south")
        tokens = []
        for i in range(doors):
            name = f"door-{i}"
            auth_service.create_account(
                s,
                username=name,
                display_name=name,
                roles=["device"],
                password="an unused door password",
                actor=SYSTEM,
            )
            tokens.append(
                enrol_door(s, name=name, username=name, portals=list(PORTALS), actor=SYSTEM)[1]
            )
        return {
            "portals": {n: st.portals[n].id for n in PORTALS},
            "residents": [st.persons[f"R{i}"].id for i in range(persons)],
            "crew": [st.persons[f"C{i}"].id for i in range(persons)],
            "tokens": tokens,
        }


class Driver(threading.Thread):
    """Asks one door for decisions at a steady rate, counting outcomes by phase and kind."""

    def __init__(self, door: DoorController, setup: dict[str, Any], rate: float) -> None:
        super().__init__(daemon=True)
        self.door, self.setup, self.period = door, setup, 1.0 / rate
        self.phase = "warm"
        self.counts: Counter[tuple[str, str, str]] = Counter()
        self.stop = threading.Event()
        self.errors: list[str] = []

    def _ask(self, i: int) -> tuple[str, dict[str, Any]]:
        kind = KINDS[i % len(KINDS)]
        portals, k = self.setup["portals"], i // len(KINDS)
        if kind == "airlock_exit":
            person, portal, direction = (
                self.setup["residents"][k % len(self.setup["residents"])],
                portals["South airlock"],
                Direction.EXIT,
            )
        elif kind == "airlock_entry":
            person, portal, direction = (
                self.setup["crew"][k % len(self.setup["crew"])],
                portals["South airlock"],
                Direction.ENTER,
            )
        else:
            person, portal, direction = (
                self.setup["crew"][k % len(self.setup["crew"])],
                portals["Hospital door"],
                Direction.EXIT,
            )
        return kind, self.door.decide(portal_id=portal, person_refs=[person], direction=direction)

    def run(self) -> None:
        i, due = 0, time.monotonic()
        while not self.stop.is_set():
            phase = self.phase
            try:
                kind, answer = self._ask(i)
            except Exception as exc:
                self.errors.append(repr(exc))
                kind, answer = "error", {"decisions": []}
            for d in answer["decisions"]:
                self.counts[(phase, kind, "decided")] += 1
                if d["allowed"]:
                    self.counts[(phase, kind, "permitted")] += 1
                if d["rule_ids"] == [STALE_RULE]:
                    self.counts[(phase, kind, "failed_secure")] += 1
            i += 1
            due += self.period
            self.stop.wait(max(0.0, due - time.monotonic()))


def _check_record(
    db: Database, controllers: list[DoorController], token_ids: list[str]
) -> dict[str, Any]:
    """Every journalled request in the central record once, with all its decisions."""
    expected: dict[str, int] = {}
    for door in controllers:
        for entry in door.journal.entries():
            if entry.kind == REQUEST:
                expected[str(entry.body["request_id"])] = len(entry.body["decisions"])
    with db.session_scope(write=False) as s:
        stored = dict(
            s.execute(
                select(Decision.request_id, func.count())
                .where(Decision.actor_id.in_(token_ids))
                .group_by(Decision.request_id)
            ).all()
        )
        chain = verify_chain(s)
        projection = verify_projection(s)
        head = last_seq(s)
    missing = [r for r in expected if r not in stored]
    wrong = [r for r, n in expected.items() if r in stored and stored[r] != n]
    return {
        "journalled_requests": len(expected),
        "journalled_decisions": sum(expected.values()),
        "central_decisions_of_those": sum(stored.get(r, 0) for r in expected),
        "central_door_requests_not_journalled": len(set(stored) - set(expected)),
        "missing_requests": len(missing),
        "wrong_counts": len(wrong),
        "refused_uploads": sum(
            1 for d in controllers for e in d.journal.entries() if e.outcome.startswith("refused")
        ),
        "chain_ok": chain.ok,
        "chain_checked": chain.checked,
        "projection_ok": projection.ok,
        "events": head,
    }


class _BacklogClock(threading.Thread):
    """How long after the server answered again every entry journalled while it was down
    was uploaded (traffic goes on meanwhile), and how many entries that was."""

    def __init__(self, doors: list[DoorController]) -> None:
        super().__init__(daemon=True)
        self.doors = doors
        self.began = time.monotonic()
        self.last = [max((e.n for e in d.journal.entries()), default=0) for d in doors]
        self.entries = sum(1 for d in doors for e in d.journal.entries() if e.uploaded_at is None)
        self.seconds: float | None = None
        self.start()

    def run(self) -> None:
        while True:
            oldest = [d.journal.pending(limit=1) for d in self.doors]
            if all(not p or p[0].n > n for p, n in zip(oldest, self.last, strict=True)):
                self.seconds = time.monotonic() - self.began
                return
            time.sleep(0.05)

    def result(self) -> dict[str, float | int | None]:
        self.join(900)
        seconds = None if self.seconds is None else round(self.seconds, 2)
        return {"backlog_entries": self.entries, "backlog_uploaded_s": seconds}


def run(args: argparse.Namespace) -> dict[str, Any]:
    """One run on a fresh station."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'central.db'}"
        db = Database(url)
        setup = _setup(db, args.persons, args.doors)
        node = Node(url)
        node.start()
        links: list[Link] = []
        drivers: list[Driver] = []
        timings: dict[str, float] = {}
        try:
            node.wait_ready(120)
            controllers = [
                DoorController(
                    DoorConfig(
                        portals=tuple(setup["portals"].values()), data_dir=Path(tmp) / f"door{i}"
                    )
                )
                for i in range(args.doors)
            ]
            transports = [Cuttable() for _ in controllers]
            links = [
                Link(d, server_url=node.url, token=t, transport=tr).start()
                for d, t, tr in zip(controllers, setup["tokens"], transports, strict=True)
            ]
            with db.session_scope(write=False) as s:
                head = last_seq(s)
            for door in controllers:
                assert door.freshness.wait_for(
                    lambda f: f.applied_seq >= head and not f.stale_reason(), 120
                )
            drivers = [Driver(d, setup, args.rate) for d in controllers]
            for d in drivers:
                d.start()

            def phase(name: str, seconds: float) -> None:
                for d in drivers:
                    d.phase = name
                time.sleep(seconds)  # the phase's length is what is measured against

            phase("warm", args.warm)
            node.kill()
            began = time.monotonic()
            phase("server_down", args.down)
            node.start()
            node.wait_ready(120)
            timings["server_restart_s"] = round(time.monotonic() - began - args.down, 2)
            backlog = _BacklogClock(controllers)
            phase("restarted", args.after)
            transports[0].cut.set()
            stream = links[0]._stream
            if stream is not None:
                stream.close()
            phase("link_cut", args.cut)
            transports[0].cut.clear()
            phase("restored", args.after)
            for d in drivers:
                d.stop.set()
                d.join(10)
            drained = time.monotonic()
            for door in controllers:
                assert door.journal.wait_uploaded(900), door.journal.pending_count()
            timings["drain_after_traffic_s"] = round(time.monotonic() - drained, 2)
            timings.update(backlog.result())
            by_door = {}
            for i, d in enumerate(drivers):
                table: dict[str, dict[str, dict[str, int]]] = {}
                for (ph, kind, what), n in sorted(d.counts.items()):
                    table.setdefault(ph, {}).setdefault(kind, {})[what] = n
                by_door[f"door{i}"] = table
            return {
                "settings": vars(args),
                "phases": by_door,
                "driver_errors": sum(len(d.errors) for d in drivers),
                "timings": timings,
                "record": _check_record(
                    db, controllers, [t.split("_")[1] for t in setup["tokens"]]
                ),
            }
        finally:
            for d in drivers:
                d.stop.set()
            for link in links:
                link.stop()
            node.stop()
            db.dispose()


def main() -> None:
    """Parse the arguments, run, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--doors", type=int, default=2)
    parser.add_argument("--persons", type=int, default=50)
    parser.add_argument("--rate", type=float, default=10.0, help="decisions a second per door")
    parser.add_argument("--warm", type=float, default=5.0)
    parser.add_argument("--down", type=float, default=60.0)
    parser.add_argument("--after", type=float, default=10.0)
    parser.add_argument("--cut", type=float, default=20.0)
    print(json.dumps(run(parser.parse_args()), indent=2))


if __name__ == "__main__":
    main()
