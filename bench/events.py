"""Durable event appends per second on SQLite and PostgreSQL; prints JSON.

Each scenario commits real transactions through ``Database.session_scope`` and
``append_event``, exactly as the services do: one event per transaction, batches of 10 and
100 events per transaction, and several writer threads with one event per transaction,
each chained in the writer's transaction (``sealed``) and left to the sealer
(``deferred``, events/sealer.py: the commit returns at once; ``deferred, awaited``: the
commit returns once the event is sealed, as services that answer do). Measured in
the same run as the floor: the raw commit rate of one-row transactions on a plain table
with as many writer threads, and ``ratio`` = events/s over that rate, measured again just
before each scenario it is given for (the machine's load drifts within a run). ``seal_delay_ms``:
from a deferred writer's commit to its event being sealed, p50 and p99. The chain is
verified after every backend. SQLite has no deferred scenarios: there, deferred events are
chained in the writer's transaction (see docs/security.md, "Sealing").

On PostgreSQL the sealer runs as ``muster serve`` runs it: in a process of its own
(events/seal_process.py), started before the writers, whose own sealer thread stands by.
The seal delay is then read as the writers of a node see it: after each commit the
passes the sealer has begun (its counts in the node's folder), and the time the first
later pass that drained was seen (looked at every 0.3 ms by a process of its own), an
upper bound by at most one pass. A pass that seals a full batch (1,000) does not drain,
so when the sealer never catches up (10 events per transaction) few commits have a delay.

Usage:
    uv run python bench/events.py [--seconds 3] [--threads 8]
        [--pg postgresql://postgres@127.0.0.1:5432/test] [--no-pg]

SQLite runs on a temporary file (WAL, synchronous=FULL). PostgreSQL runs in a scratch
database created on the given server and dropped afterwards.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert, text
from sqlalchemy.engine import make_url

import muster.models  # noqa: F401  (every table on the metadata)
from muster.db import Base, Database
from muster.events.seal_process import NodeSealer, SealerLink, start_node_sealer
from muster.events.sealer import sealer_for, stop_sealers
from muster.events.service import AWAIT_SEAL, append_event, verify_chain
from muster.policy.actor import Actor

ACTOR = Actor.system("bench")
PAYLOAD = {"portal": "south-airlock", "decision": "permit", "policy": "v12", "n": 0}
RAW = Table(
    "bench_raw_commits",
    MetaData(),
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("body", String(200)),
)


# The watcher of a run's seal delays: its own process, so that the writers' threads, which
# hold this process's interpreter lock most of the time, do not make it late.
_WATCHER = """
import json, select, sys, time
from muster.events.seal_process import SealerLink
link, seen, last = SealerLink(sys.argv[1]), [], -1
print("ready", flush=True)
while not select.select([sys.stdin], [], [], 0.0003)[0]:
    drained = link.counters()[2]
    if drained != last:
        seen.append((drained, time.perf_counter()))
        last = drained
print(json.dumps(seen))
"""


class SealWatch:
    """Seal delays as a node's writers see them when its sealer process seals: after each
    commit the passes begun, and when the first later pass was seen to drain (by a process
    of its own that looks every 0.3 ms; ``time.perf_counter`` is the system's monotonic
    clock, the same in both)."""

    def __init__(self, link: SealerLink) -> None:
        self._link = link
        self._commits: list[tuple[int, float]] = []  # (passes begun after the commit, when)
        self._drained: list[tuple[int, float]] = []  # (last drained pass, first seen)
        self._watcher: subprocess.Popen[str] | None = None

    def __enter__(self) -> SealWatch:
        self._watcher = subprocess.Popen(
            [sys.executable, "-c", _WATCHER, self._link.folder],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._watcher.stdout is not None
        self._watcher.stdout.readline()  # "ready": it watches from now on
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self._watcher is not None
        out, _err = self._watcher.communicate("stop\n", timeout=30)
        self._drained = [(int(d), float(t)) for d, t in json.loads(out)]

    def committed(self) -> None:
        self._commits.append((self._link.counters()[1], time.perf_counter()))

    def delays(self) -> list[float]:
        """Seconds from each commit to the first later pass seen drained."""
        passes = [d for d, _t in self._drained]
        found = []
        for begun, at in self._commits:
            i = bisect.bisect_right(passes, begun)
            if i < len(passes):
                found.append(self._drained[i][1] - at)
        return found


def _append_for(
    db: Database,
    seconds: float,
    per_tx: int,
    deferred: bool,
    awaited: bool = False,
    watch: SealWatch | None = None,
) -> int:
    """Commit transactions of ``per_tx`` events until time runs out; return events written.
    ``awaited``: each commit returns once its events are sealed (``AWAIT_SEAL``, as the
    airlock decisions and comms reports do)."""
    written = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        with db.session_scope() as session:
            if awaited:
                session.info[AWAIT_SEAL] = True
            for _ in range(per_tx):
                append_event(
                    session,
                    kind="bench.event.appended",
                    actor=ACTOR,
                    subjects=["person-1", "portal-7"],
                    payload=PAYLOAD,
                    defer_seal=deferred,
                )
        if watch is not None:
            watch.committed()
        written += per_tx
    return written


def _raw_for(db: Database, seconds: float) -> int:
    """Commit one-row transactions on a plain table until time runs out (the floor)."""
    bind = (
        db.engine.execution_options(sqlite_begin="BEGIN IMMEDIATE") if db.is_sqlite else db.engine
    )
    written = 0
    body = json.dumps(PAYLOAD)
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        with bind.begin() as conn:
            conn.execute(insert(RAW), {"body": body})
        written += 1
    return written


def _threads(threads: int, work: Any) -> tuple[int, float]:
    counts = [0] * threads

    def worker(i: int) -> None:
        counts[i] = work()

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return sum(counts), time.perf_counter() - started


def raw_commit_rate(db: Database, *, seconds: float, threads: int) -> dict[str, Any]:
    """One-row commits per second on a plain table, ``threads`` writers."""
    RAW.create(db.engine, checkfirst=True)
    total, elapsed = _threads(threads, lambda: _raw_for(db, seconds))
    return {"threads": threads, "commits_per_second": round(total / elapsed, 1)}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def run_scenario(
    db: Database,
    *,
    seconds: float,
    per_tx: int,
    threads: int,
    deferred: bool = False,
    awaited: bool = False,
) -> dict[str, Any]:
    """Events per second for ``threads`` writers committing ``per_tx`` events each time."""
    sealer = sealer_for(db.engine)
    sealer.delays.clear()
    link = SealerLink.from_environment() if deferred and not db.is_sqlite else None
    with contextlib.ExitStack() as stack:
        watch = stack.enter_context(SealWatch(link)) if link is not None else None
        total, elapsed = _threads(
            threads, lambda: _append_for(db, seconds, per_tx, deferred, awaited, watch)
        )
    mode = "deferred, awaited" if awaited else "deferred" if deferred else "sealed"
    row: dict[str, Any] = {
        "mode": mode,
        "events_per_tx": per_tx,
        "threads": threads,
        "events": total,
        "seconds": round(elapsed, 3),
        "events_per_second": round(total / elapsed, 1),
        "transactions_per_second": round(total / per_tx / elapsed, 1),
    }
    if deferred:
        delays = watch.delays() if watch is not None else list(sealer.delays)
        row["seal_delay_ms"] = {
            "p50": round(_percentile(delays, 0.5) * 1000, 2),
            "p99": round(_percentile(delays, 0.99) * 1000, 2),
            "samples": len(delays),
        }
    return row


def bench_backend(db: Database, *, seconds: float, threads: int) -> dict[str, Any]:
    """Every scenario on one database, checking the chain at the end."""
    Base.metadata.create_all(db.engine)
    raw = raw_commit_rate(db, seconds=seconds, threads=threads)
    plans = [(1, 1, False, False), (10, 1, False, False), (100, 1, False, False)]
    plans += [(1, threads, False, False)]
    if not db.is_sqlite:  # SQLite chains deferred events in the writer's transaction
        plans += [(1, 1, True, False), (1, threads, True, False), (1, threads, True, True)]
        plans += [(10, threads, True, False)]
    results = []
    for p, t, d, a in plans:
        paired = t == threads and p == 1  # the floor measured again just before, beside it
        floor = raw_commit_rate(db, seconds=seconds, threads=threads) if paired else None
        row = run_scenario(db, seconds=seconds, per_tx=p, threads=t, deferred=d, awaited=a)
        if floor is not None:
            row["raw_commits_just_before"] = floor["commits_per_second"]
            row["ratio_to_raw_commits"] = round(
                row["events_per_second"] / floor["commits_per_second"], 3
            )
        results.append(row)
    with db.session_scope(write=False) as session:
        report = verify_chain(session)
    if not report.ok:
        raise SystemExit(f"chain broken after the benchmark: {report}")
    return {"raw_commits": raw, "scenarios": results, "chain_verified_events": report.checked}


def bench_sqlite(*, seconds: float, threads: int) -> dict[str, Any]:
    """SQLite on a temporary file."""
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{Path(folder) / 'bench.db'}")
        try:
            return bench_backend(db, seconds=seconds, threads=threads)
        finally:
            stop_sealers()
            db.dispose()


def bench_postgres(url: str, *, seconds: float, threads: int) -> dict[str, Any]:
    """PostgreSQL in a scratch database, dropped afterwards."""
    admin_url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"muster_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database(make_url(admin_url).set(database=name).render_as_string(hide_password=False))
    node_sealer: NodeSealer | None = None
    try:
        Base.metadata.create_all(db.engine)
        node_sealer = start_node_sealer(db.url)  # as muster serve does, before the writers
        return bench_backend(db, seconds=seconds, threads=threads)
    finally:
        stop_sealers()
        if node_sealer is not None:
            node_sealer.stop()
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    """Run the benchmark and print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per scenario")
    parser.add_argument("--threads", type=int, default=8, help="concurrent writers")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--no-sqlite", action="store_true", help="skip SQLite")
    args = parser.parse_args()
    out: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "load_before": os.getloadavg(),
        "targets_events_per_second": {"sqlite": 2000, "postgresql": 5000},
        "target_ratio_to_raw_commits": 0.5,
        "target_seal_delay_p99_ms": 20,
    }
    if not args.no_sqlite:
        out["sqlite"] = bench_sqlite(seconds=args.seconds, threads=args.threads)
    if not args.no_pg:
        out["postgresql"] = bench_postgres(args.pg, seconds=args.seconds, threads=args.threads)
    out["load_after"] = os.getloadavg()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
