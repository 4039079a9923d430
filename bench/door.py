"""Decisions at a door controller, beside the central service call in the same run; JSON.

A station of ``--persons`` persons (bench/access.py's ``populate``: placed aboard, one in
fifty held) is built in a central SQLite database; the tables a door's decisions read are
copied into a door controller's replica (what the feed would have put there), and the
door is marked fresh. Each sample is one person's exit request at the South airlock.

- ``rule_on``: the decision function alone over facts already read (Cedar included).
- ``decision``: facts read from the replica (``load_request``) and ``rule_on``: what the
  issue's "decision at the door" target (p99 under 1 ms) measures.
- ``decide_journalled``: ``DoorController.decide`` as a reader's request gets it: the
  decision and its journal entry committed to disk (``synchronous=FULL``: an fsync)
  before the answer.
- ``raw_commit``: one row committed to a SQLite file beside the journal with the same
  settings: the fsync that ``decide_journalled`` pays, measured in the same run.
- ``central_service``: ``decide_request`` on the server's database in one transaction
  (flushed, commit excluded), as bench/access.py's ``service`` measures it.
- ``http``: the door's own HTTP (uvicorn with the options ``muster door run`` uses, one
  process, this script in ``--serve-door`` mode) driven open loop at each ``--rate``
  requests a second in turn by bench/access.py's driver; latency from each request's due
  time to its answer, journal fsync included. With each run: the door process's CPU time
  a request (from /proc), the driver's own, and the load average; then the floor at the
  same rate (``floor``: an app answering a fixed body of the same size on the same uvicorn
  options and driver, what the machine gives any HTTP server at that moment) and the
  door's p99 as a ratio to the floor's (``p99_vs_floor``).

Usage:
    uv run python bench/door.py [--persons 100000] [--samples 2000] [--rate 500 300 100]
        [--seconds 10] [--no-http]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

import muster.models  # noqa: F401  (every table on the metadata)
from access import ACTOR, _free_port, _server_cpu_s, _summary, drive, populate
from muster import clock
from muster.access.decisions import decide_request, engine_for, rule_on
from muster.access.enums import Direction
from muster.access.facts import load_request
from muster.db import Base, Database
from muster.door.controller import DoorConfig, DoorController
from muster.door.feed import REPLICATED_TABLES
from muster.door.freshness import Freshness
from muster.door.replica import sqlite_engine
from muster.door.server import UVICORN_OPTIONS, create_door_app, serve


def copy_replicated(db: Database, door: DoorController) -> None:
    """The replicated tables' rows, as the feed would have applied them."""
    with db.engine.connect() as src, door.replica.engine.begin() as dst:
        for name in REPLICATED_TABLES:
            table = Base.metadata.tables[name]
            rows = [dict(r._mapping) for r in src.execute(select(table))]
            if rows:
                dst.execute(insert(table), rows)


def _timed(samples: int, step: Callable[[], Any]) -> list[float]:
    out: list[float] = []
    for i in range(samples + 100):
        t = time.perf_counter()
        step()
        if i >= 100:  # the first hundred warm caches and prepared statements
            out.append((time.perf_counter() - t) * 1000)
    return out


def _raw_commit(folder: Path) -> Callable[[], None]:
    engine = sqlite_engine(folder / "raw.db")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE raw (n INTEGER PRIMARY KEY, body TEXT)")

    def commit() -> None:
        with engine.connect() as conn:
            conn.info["write"] = True
            with conn.begin():
                conn.exec_driver_sql("INSERT INTO raw (body) VALUES ('x')")

    return commit


def serve_door(data_dir: Path, portal_id: str, port: int) -> None:
    """Serve a fresh door over ``data_dir`` on ``port`` until killed (``--serve-door``)."""
    door = DoorController(DoorConfig(portals=(portal_id,), data_dir=data_dir), Freshness(_stopped))
    door.freshness.heard_head(0)
    serve(create_door_app(door), host="127.0.0.1", port=port, log_level="warning")


def _stopped() -> float:
    return 0.0


# The floor's answer: as long as a door's answer to one person (about 1.5 kB).
FLOOR_BODY = json.dumps({"answer": "x" * 1500}).encode()


async def _floor_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """An ASGI app that reads the request and answers a fixed body: what uvicorn, the
    loopback and the driver cost on this machine now, with no door behind them."""
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(FLOOR_BODY))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": FLOOR_BODY})


def serve_floor(port: int) -> None:
    """Serve ``_floor_app`` on ``port`` with the door's uvicorn options (``--serve-floor``)."""
    uvicorn.run(_floor_app, host="127.0.0.1", port=port, log_level="warning", **UVICORN_OPTIONS)


def _started(command: list[str], port: int) -> tuple[subprocess.Popen[bytes], str]:
    server = subprocess.Popen(command)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)  # the child is still importing
    return server, url


def _driven(
    server: subprocess.Popen[bytes],
    url: str,
    portal_id: str,
    ids: list[str],
    rate: int,
    seconds: float,
) -> dict[str, Any]:
    cpu = _server_cpu_s(server.pid)
    out = drive(url, "unused", portal_id, ids, rate, seconds)
    used = _server_cpu_s(server.pid) - cpu
    out["server_cpu_ms_per_request"] = round(used * 1000 / max(1, out["completed"]), 3)
    out["load_avg"] = os.getloadavg()
    return out


def bench_http(
    data_dir: Path, portal_id: str, ids: list[str], rates: list[int], seconds: float
) -> list[dict[str, Any]]:
    """The door's HTTP in a process of its own, driven open loop at each of ``rates``;
    after each, the floor (``_floor_app`` on the same uvicorn options) at the same rate,
    and the door's p99 as a ratio to the floor's."""
    door_port, floor_port = _free_port(), _free_port()
    door_command = [sys.executable, __file__, "--serve-door", str(data_dir), portal_id]
    floor_command = [sys.executable, __file__, "--serve-floor"]
    door, door_url = _started([*door_command, str(door_port)], door_port)
    try:
        floor, floor_url = _started([*floor_command, str(floor_port)], floor_port)
        try:
            # The door here has no reader secret: the driver's bearer token is ignored.
            drive(door_url, "unused", portal_id, ids, min(rates), 2.0)  # warm-up
            drive(floor_url, "unused", portal_id, ids, min(rates), 2.0)
            runs = []
            for rate in rates:
                out = _driven(door, door_url, portal_id, ids, rate, seconds)
                out["door_cpu_ms_per_request"] = out.pop("server_cpu_ms_per_request")
                base = _driven(floor, floor_url, portal_id, ids, rate, seconds)
                out["floor"] = {k: base[k] for k in FLOOR_KEYS}
                out["p99_vs_floor"] = round(out["p99_ms"] / base["p99_ms"], 2)
                print(json.dumps(out), file=sys.stderr, flush=True)
                runs.append(out)
            return runs
        finally:
            floor.terminate()
            floor.wait(10)
    finally:
        door.terminate()
        door.wait(10)


FLOOR_KEYS = (
    "achieved_per_s",
    "p50_ms",
    "p99_ms",
    "server_cpu_ms_per_request",
    "driver_cpu_ms_per_request",
    "load_avg",
)


def run(persons: int, samples: int, http: tuple[list[int], float] | None) -> dict[str, Any]:
    """Every measure on one station."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'central.db'}")
        Base.metadata.create_all(db.engine)
        portal_id, ids = populate(db, persons)
        # A stopped clock: the door stays fresh, as its link would keep it (no link here).
        door = DoorController(
            DoorConfig(portals=(portal_id,), data_dir=Path(tmp) / "door"), Freshness(_stopped)
        )
        copy_replicated(db, door)
        door.freshness.heard_head(0)  # nothing newer than what the replica holds
        exit_ = Direction.EXIT

        with door.replica.read_session() as s:
            known = load_request(s, portal_id, [ids[0]], clock.now())
            engine = engine_for(s, known.policy_version)
            facts = {
                pid: load_request(s, portal_id, [pid], clock.now())
                for pid in random.sample(ids, 200)
            }

        def pure() -> None:
            pid = random.choice(list(facts))
            rule_on(engine, facts[pid], [pid], exit_)

        def decision() -> None:
            pid = random.choice(ids)
            with door.replica.read_session() as s:
                known = load_request(s, portal_id, [pid], clock.now())
                rule_on(engine_for(s, known.policy_version), known, [pid], exit_)

        def journalled() -> None:
            door.decide(portal_id=portal_id, person_refs=[random.choice(ids)], direction=exit_)

        out: dict[str, Any] = {
            "load_before": os.getloadavg(),
            "persons": persons,
            "samples": samples,
            "rule_on": _summary(_timed(samples, pure)),
            "decision": _summary(_timed(samples, decision)),
            "decide_journalled": _summary(_timed(min(samples, 1000), journalled)),
            "raw_commit": _summary(_timed(min(samples, 1000), _raw_commit(Path(tmp)))),
        }
        with db.session_scope() as s:

            def central() -> None:
                decide_request(
                    s,
                    portal_id=portal_id,
                    person_refs=[random.choice(ids)],
                    direction=exit_,
                    actor=ACTOR,
                )
                s.flush()

            out["central_service"] = _summary(_timed(samples, central))
        assert door.freshness.stale_reason() == "", "the door must be fresh for the bench"
        db.dispose()
        door.replica.engine.dispose()
        door.journal.engine.dispose()
        if http is not None:
            out["http"] = bench_http(Path(tmp) / "door", portal_id, ids, *http)
        return out


def main() -> None:
    """Parse the arguments, run, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--rate", type=int, nargs="+", default=[500], help="one run each")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--serve-door", nargs=3, metavar=("DIR", "PORTAL", "PORT"))
    parser.add_argument("--serve-floor", type=int, metavar="PORT")
    args = parser.parse_args()
    if args.serve_floor:
        serve_floor(args.serve_floor)
        return
    if args.serve_door:
        folder, portal, port = args.serve_door
        serve_door(Path(folder), portal, int(port))
        return
    http = None if args.no_http else (args.rate, args.seconds)
    print(json.dumps(run(args.persons, args.samples, http), indent=2))


if __name__ == "__main__":
    main()
