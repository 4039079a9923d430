"""Access decisions: latency of the service call with its log write, committed decisions,
Cedar alone, roll call, and HTTP decisions at a reader under load; SQLite and PostgreSQL;
prints JSON.

With 100,000 persons registered (placed aboard, one in fifty held, one in ten a visitor),
each sample is one person's request at the South airlock through ``decide_request``: read
facts and the active policy version, ask Cedar, write the decision row and the
``access.decided`` event.

- ``service``: the call inside one long transaction, ``session.flush()`` included: the
  decision row and the event rows are written to the database inside the call; the commit
  is excluded (the append lock and head read happen once, at the first sample).
- ``service_commit``: one transaction per decision, committed (BEGIN, append lock, head
  read, writes, durable COMMIT: an fsync on SQLite ``synchronous=FULL``, a WAL flush on
  PostgreSQL ``synchronous_commit=on``).
- ``cedar``: ``decisions.evaluate`` alone (entity JSON, Cedar call, verdict) over the
  rules that can apply to the action; ``cedar_whole_policy``: ``PolicyEngine.decide``
  over every rule of the station, for comparison.
- ``rollcall_report``: counts and the first 100 unaccounted with their places;
  ``rollcall_everyone``: every person's last place and mark (``last_places``), consumed.
  On PostgreSQL both are measured before (``*_fresh``) and after ``ANALYZE``.
- ``http``: ``muster serve --workers N`` (uvicorn) in a subprocess on a free port, a
  reader's device token bound to the airlock, requests sent open loop at a fixed rate by an
  asyncio httpx client; latency counts from each request's scheduled send time, so a
  stalled server cannot hide its queue. The server's CPU time per request (its processes'
  user and system time over the run, from /proc) is reported too: unlike latency, it does
  not depend on what else the machine runs (the client shares the same cores).

Usage:
    uv run python bench/access.py [--persons 100000] [--samples 2000] [--rate 500 100]
        [--seconds 10] [--workers 1 2] [--http-only] [--no-sqlite]
        [--pg postgresql://postgres@127.0.0.1:5432/test] [--no-pg]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import uvloop
from alembic import command
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

import muster.models  # noqa: F401  (every table on the metadata)
from muster import clock
from muster.access.decisions import cedar_input_for, decide_request, evaluate
from muster.access.enums import Direction
from muster.access.facts import load_persons, load_portal
from muster.access.models import Hold, Presence
from muster.access.policy_store import shipped_engine
from muster.access.rollcall import last_places, rollcall_report, start_rollcall
from muster.auth import service as auth_service
from muster.db import Base, Database, new_id
from muster.migrate import alembic_config
from muster.people.models import Party, Person
from muster.places.models import Portal, Zone
from muster.policy.actor import Actor

ACTOR = Actor(kind="account", id="bench", name="bench", roles=frozenset({"guard"}))


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


def _summary(ms: list[float]) -> dict[str, float]:
    return {
        "p50_ms": _pct(ms, 0.50),
        "p99_ms": _pct(ms, 0.99),
        "mean_ms": round(statistics.mean(ms), 3),
    }


def populate(db: Database, persons: int) -> tuple[str, list[str]]:
    """A station with ``persons`` persons aboard; returns the South airlock id and person ids."""
    at = clock.now()
    vessel_id, south, collar, portal_id = new_id(), new_id(), new_id(), new_id()
    with db.session_scope() as s:
        s.execute(
            insert(Party),
            [
                {
                    "id": vessel_id,
                    "name": "Vessel",
                    "kind": "vessel",
                    "expected_aboard": 25,
                    "notes": "",
                    "created_at": at,
                    "updated_at": at,
                }
            ],
        )
        s.execute(
            insert(Zone),
            [
                {
                    "id": south,
                    "name": "South corridor",
                    "kind": "internal",
                    "description": "",
                    "created_at": at,
                    "updated_at": at,
                },
                {
                    "id": collar,
                    "name": "South collar",
                    "kind": "collar",
                    "docked_party_id": vessel_id,
                    "description": "",
                    "created_at": at,
                    "updated_at": at,
                },
            ],
        )
        s.execute(
            insert(Portal),
            [
                {
                    "id": portal_id,
                    "name": "South airlock",
                    "kind": "airlock",
                    "inside_zone_id": south,
                    "outside_zone_id": collar,
                    "mode": "normal",
                    "mode_reason": "",
                    "created_at": at,
                    "updated_at": at,
                }
            ],
        )
        ids = [new_id() for _ in range(persons)]
        for start in range(0, persons, 10_000):
            chunk = ids[start : start + 10_000]
            s.execute(
                insert(Person),
                [
                    {
                        "id": pid,
                        "name": f"Person {start + i}",
                        "badge_id": f"B{start + i}",
                        "affiliation": ("visitor" if (start + i) % 10 == 0 else "resident"),
                        "party_id": vessel_id if (start + i) % 10 == 0 else None,
                        "roles": [],
                        "status": "active",
                        "notes": "",
                        "created_at": at,
                        "updated_at": at,
                    }
                    for i, pid in enumerate(chunk)
                ],
            )
            s.execute(
                insert(Presence),
                [
                    {"person_id": pid, "zone_id": south, "since": at, "source": "bench"}
                    for pid in chunk
                ],
            )
        s.execute(
            insert(Hold),
            [
                {
                    "id": new_id(),
                    "person_id": pid,
                    "kind": "provisional",
                    "reason": "bench",
                    "placed_by_id": "bench",
                    "placed_by": "bench",
                    "placed_at": at,
                    "lifted_at": None,
                    "lifted_by": "",
                    "lift_reason": "",
                }
                for pid in ids[1::50]
            ],
        )
    return portal_id, ids


def _timed(fn: Any, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def bench_service(db: Database, portal_id: str, ids: list[str], samples: int) -> dict[str, Any]:
    """decide_request: in one transaction (flushed, commit excluded) and committed one by one."""
    in_tx: list[float] = []
    with db.session_scope() as s:
        for i in range(samples + 100):
            pid = random.choice(ids)
            t = time.perf_counter()
            decide_request(
                s, portal_id=portal_id, person_refs=[pid], direction=Direction.EXIT, actor=ACTOR
            )
            s.flush()
            if i >= 100:  # the first hundred warm caches and prepared statements
                in_tx.append((time.perf_counter() - t) * 1000)
    committed: list[float] = []
    for _ in range(min(samples, 1000)):
        pid = random.choice(ids)
        t = time.perf_counter()
        with db.session_scope() as s:
            decide_request(
                s, portal_id=portal_id, person_refs=[pid], direction=Direction.EXIT, actor=ACTOR
            )
        committed.append((time.perf_counter() - t) * 1000)
    return {"service": _summary(in_tx), "service_commit": _summary(committed)}


def bench_cedar(db: Database, portal_id: str, ids: list[str], samples: int) -> dict[str, Any]:
    """Cedar alone, on requests built from 200 persons' facts."""
    engine = shipped_engine()
    with db.session_scope(write=False) as s:
        portal = load_portal(s, portal_id)
        facts = load_persons(s, random.sample(ids, 200), clock.now())
        requests = [cedar_input_for(p, portal, Direction.EXIT, [p]) for p in facts.values()]
    sliced = [evaluate(engine, r) for r in requests]
    whole = [
        engine.decide(
            principal=("Person", r.person["uid"]["id"]),
            action=r.action,
            resource=("Portal", portal.id),
            context=r.context,
            entities=[r.person, r.portal],
        )
        for r in requests
    ]
    assert [v.allowed for v in sliced] == [v.allowed for v in whole]
    assert [v.rule_ids for v in sliced] == [v.rule_ids for v in whole]
    it = iter(range(10**9))
    cedar = _timed(lambda: evaluate(engine, requests[next(it) % len(requests)]), samples)
    r0 = requests[0]
    whole_ms = _timed(
        lambda: engine.decide(
            principal=("Person", r0.person["uid"]["id"]),
            action=r0.action,
            resource=("Portal", portal.id),
            context=r0.context,
            entities=[r0.person, r0.portal],
        ),
        samples,
    )
    return {"cedar": _summary(cedar), "cedar_whole_policy": _summary(whole_ms)}


def bench_rollcall(db: Database, suffix: str = "") -> dict[str, Any]:
    """The roll call report, and every person's last place streamed and consumed."""

    def report() -> None:
        with db.session_scope(write=False) as s:
            rollcall_report(s, limit=100)

    def everyone() -> None:
        with db.session_scope(write=False) as s:
            assert sum(1 for _ in last_places(s)) > 0

    report()
    return {
        f"rollcall_report{suffix}": _summary(_timed(report, 10)),
        f"rollcall_everyone{suffix}": _summary(_timed(everyone, 5)),
    }


CONNECTIONS = 32


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Connection:
    """One keep-alive HTTP/1.1 connection of the driver: a request written as bytes, the
    answer read by its Content-Length (the servers measured answer that way)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(self, request: bytes) -> int:
        """Send ``request``; the answer's status. Reconnects once the server closed it."""
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        try:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            length, closing = 0, False
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection" and value.strip().lower() == b"close":
                    closing = True
            await reader.readexactly(length)
        except BaseException:
            self.close()
            raise
        if closing:
            self.close()
        return int(lines[0].split(b" ", 2)[1])

    def close(self) -> None:
        """Drop the connection; the next request opens another."""
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


def _request_bytes(host: str, path: str, token: str, body: bytes) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nhost: {host}\r\nauthorization: Bearer {token}\r\n"
        f"content-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n"
    ).encode() + body


async def _drive(
    url: str, token: str, portal_id: str, badges: list[str], rate: int, seconds: float
) -> dict[str, Any]:
    """Open loop: request n is due at start + n/rate whatever happened before; its latency
    runs from that due time to the answer (a late send counts against the server).

    The client is lean so that it is not what limits the figure on two shared cores:
    ``CONNECTIONS`` keep-alive connections in one event loop, each request written as bytes
    and its answer read by Content-Length (httpx cost about 1 ms of CPU a request). A
    request waits for a free connection; the wait counts, from the due time. The driver's
    own CPU time a request is reported (``driver_cpu_ms_per_request``).
    """
    latencies: list[float] = []
    failures: dict[str, int] = {}
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = f"/api/v1/portals/{portal_id}/requests"
    idle: asyncio.Queue[_Connection] = asyncio.Queue()
    for _ in range(CONNECTIONS):
        idle.put_nowait(_Connection(host, port))

    async def one(due: float, body: bytes) -> None:
        connection = await idle.get()
        try:
            status = await asyncio.wait_for(
                connection.post(_request_bytes(parts.netloc, path, token, body)), 10
            )
            outcome = "" if status == 200 else f"http {status}"
        except (OSError, EOFError, ValueError, TimeoutError, asyncio.LimitOverrunError) as exc:
            outcome = type(exc).__name__
        finally:
            idle.put_nowait(connection)
        latencies.append((time.perf_counter() - due) * 1000)
        if outcome:
            failures[outcome] = failures.get(outcome, 0) + 1

    tasks = []
    cpu = time.process_time()
    start = time.perf_counter() + 0.05
    for n in range(int(rate * seconds)):
        due = start + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        body = json.dumps({"persons": [random.choice(badges)], "direction": "exit"}).encode()
        tasks.append(asyncio.create_task(one(due, body)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    driver_cpu = time.process_time() - cpu
    while not idle.empty():
        idle.get_nowait().close()
    return {
        "rate_target": rate,
        "seconds": seconds,
        "completed": len(latencies),
        "achieved_per_s": round(len(latencies) / elapsed, 1),
        "failures": failures,
        "driver_cpu_ms_per_request": round(driver_cpu * 1000 / max(1, len(latencies)), 3),
        **_summary(latencies),
    }


def drive(
    url: str, token: str, portal_id: str, badges: list[str], rate: int, seconds: float
) -> dict[str, Any]:
    """``_drive`` on uvloop's event loop: the driver's own CPU a request is about a quarter
    less than on asyncio's (0.15-0.16 ms against 0.19-0.29 ms at 300 a second, load 7).
    What the bench process holds by then (a populated station's objects) is frozen out of
    the garbage collector first, so that a full collection in the driver does not send
    requests late and count its pause against the server."""
    gc.collect()
    gc.freeze()
    return uvloop.run(_drive(url, token, portal_id, badges, rate, seconds))


def _server_cpu_s(pid: int) -> float:
    """CPU seconds (user and system) of a server process and its worker processes."""
    total = 0.0
    pids = [pid]
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            pids += [int(p) for p in f.read().split()]
        for p in pids:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return float("nan")
    return total


def bench_http(
    db: Database,
    portal_id: str,
    persons: int,
    rate: list[int],
    seconds: float,
    workers: list[int] | None = None,
) -> list[dict[str, Any]]:
    """Decisions over HTTP at fixed request rates, against ``muster serve --workers N`` in a
    subprocess, for each N of ``workers``; with the server's CPU time per request."""
    with db.session_scope() as s:
        auth_service.create_account(
            s,
            username="south-reader",
            display_name="South airlock reader",
            roles=["device"],
            password="correct horse battery staple",
            actor=ACTOR,
        )
        _, token = auth_service.create_token(
            s,
            name="south-reader",
            username="south-reader",
            scopes=[],
            actor=ACTOR,
            portal_id=portal_id,
        )
    return [
        run
        for n in workers or [1]
        for run in _serve_and_drive(db, portal_id, persons, token, rate, seconds, n)
    ]


def _serve_and_drive(
    db: Database,
    portal_id: str,
    persons: int,
    token: str,
    rate: list[int],
    seconds: float,
    workers: int,
) -> list[dict[str, Any]]:
    port = _free_port()
    env = {
        **os.environ,
        "MUSTER_DATABASE_URL": db.url,
        "MUSTER_MODE": "production",
        "MUSTER_SECRET_KEY": secrets.token_urlsafe(48),
    }
    muster = str(Path(sys.executable).parent / "muster")
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [
                muster,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            for _ in range(600):
                try:
                    if httpx.get(f"{url}/healthz").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            badges = [f"B{i}" for i in range(0, persons, 7)]
            drive(url, token, portal_id, badges, min(rate), 2.0)  # warm-up
            runs = []
            for r in rate:
                cpu = _server_cpu_s(proc.pid)
                out = drive(url, token, portal_id, badges, r, seconds)
                used = _server_cpu_s(proc.pid) - cpu
                out["workers"] = workers
                out["server_cpu_ms_per_request"] = round(used * 1000 / out["completed"], 2)
                out["load_avg"] = os.getloadavg()[0]
                print(json.dumps(out), file=sys.stderr, flush=True)
                runs.append(out)
            return runs
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            log.seek(0)
            tail = log.read()[-2000:].decode(errors="replace")
            if proc.returncode not in (0, -15):
                print(f"server exited {proc.returncode}: {tail}", file=sys.stderr)


def _stamp_head(db: Database) -> None:
    config = alembic_config()
    with db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.stamp(config, "head")


def run(url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Every measurement on one database. The schema comes from the models, stamped as
    migrated so that ``muster serve`` accepts it (the migrations may lag the models while
    domains are built in parallel)."""
    db = Database(url)
    Base.metadata.create_all(db.engine)
    _stamp_head(db)
    t = time.perf_counter()
    portal_id, ids = populate(db, args.persons)
    with db.session_scope() as s:
        start_rollcall(s, reason="bench", actor=ACTOR)
    result: dict[str, Any] = {
        "backend": db.engine.dialect.name,
        "persons": args.persons,
        "populate_s": round(time.perf_counter() - t, 1),
        "load_before": os.getloadavg()[0],
    }
    if not db.is_sqlite:
        if not args.http_only:
            result.update(bench_rollcall(db, "_fresh"))
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    if not args.http_only:
        result.update(bench_service(db, portal_id, ids, args.samples))
        result.update(bench_cedar(db, portal_id, ids, args.samples))
        result.update(bench_rollcall(db))
    if args.rate:
        result["http"] = bench_http(
            db, portal_id, args.persons, args.rate, args.seconds, args.workers
        )
    result["load_after"] = os.getloadavg()[0]
    db.dispose()
    return result


def main() -> None:
    """Run on SQLite and, unless --no-pg, on a scratch PostgreSQL database."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument(
        "--rate", type=int, nargs="*", default=[500, 100], help="request rates, one run each"
    )
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--workers", type=int, nargs="*", default=[1], help="muster serve --workers, one run each"
    )
    parser.add_argument("--http-only", action="store_true", help="only the HTTP measure")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    results = []
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            results.append(run(f"sqlite:///{Path(tmp) / 'bench.db'}", args))
            print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    if not args.no_pg:
        admin_url = args.pg.replace("postgresql://", "postgresql+psycopg://", 1)
        name = f"muster_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            results.append(run(make_url(args.pg).set(database=name).render_as_string(False), args))
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    print(json.dumps({"cpus": os.cpu_count(), "results": results}, indent=2))


if __name__ == "__main__":
    main()
