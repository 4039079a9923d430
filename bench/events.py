"""Durable event appends per second on SQLite and PostgreSQL; prints JSON.

Each scenario commits real transactions through ``Database.session_scope`` and
``append_event``, exactly as the services do: one event per transaction, batches of 10 and
100 events per transaction, and several writer threads with one event per transaction.
The chain is verified after every run.

Usage:
    uv run python bench/events.py [--seconds 3] [--threads 4]
        [--pg postgresql://postgres@127.0.0.1:5432/test] [--no-pg]

SQLite runs on a temporary file (WAL, synchronous=FULL). PostgreSQL runs in a scratch
database created on the given server and dropped afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import muster.models  # noqa: F401  (every table on the metadata)
from muster.db import Base, Database
from muster.events.service import append_event, verify_chain
from muster.policy.actor import Actor

ACTOR = Actor.system("bench")
PAYLOAD = {"portal": "south-airlock", "decision": "permit", "policy": "v12", "n": 0}


def _append_for(db: Database, seconds: float, per_tx: int, stop: threading.Event) -> int:
    """Commit transactions of ``per_tx`` events until time runs out; return events written."""
    written = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline and not stop.is_set():
        with db.session_scope() as session:
            for _ in range(per_tx):
                append_event(
                    session,
                    kind="bench.event.appended",
                    actor=ACTOR,
                    subjects=["person-1", "portal-7"],
                    payload=PAYLOAD,
                )
        written += per_tx
    return written


def run_scenario(db: Database, *, seconds: float, per_tx: int, threads: int) -> dict[str, Any]:
    """Events per second for ``threads`` writers committing ``per_tx`` events each time."""
    counts = [0] * threads
    stop = threading.Event()

    def worker(i: int) -> None:
        counts[i] = _append_for(db, seconds, per_tx, stop)

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - started
    total = sum(counts)
    return {
        "events_per_tx": per_tx,
        "threads": threads,
        "events": total,
        "seconds": round(elapsed, 3),
        "events_per_second": round(total / elapsed, 1),
        "transactions_per_second": round(total / per_tx / elapsed, 1),
    }


def bench_backend(db: Database, *, seconds: float, threads: int) -> list[dict[str, Any]]:
    """Every scenario on one database, checking the chain at the end."""
    Base.metadata.create_all(db.engine)
    plans = [(1, 1), (10, 1), (100, 1), (1, threads), (10, threads)]
    results = [run_scenario(db, seconds=seconds, per_tx=p, threads=t) for p, t in plans]
    with db.session_scope(write=False) as session:
        report = verify_chain(session)
    if not report.ok:
        raise SystemExit(f"chain broken after the benchmark: {report}")
    for row in results:
        row["chain_verified_events"] = report.checked
    return results


def bench_sqlite(*, seconds: float, threads: int) -> list[dict[str, Any]]:
    """SQLite on a temporary file."""
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{Path(folder) / 'bench.db'}")
        try:
            return bench_backend(db, seconds=seconds, threads=threads)
        finally:
            db.dispose()


def bench_postgres(url: str, *, seconds: float, threads: int) -> list[dict[str, Any]]:
    """PostgreSQL in a scratch database, dropped afterwards."""
    admin_url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"muster_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database(make_url(admin_url).set(database=name).render_as_string(hide_password=False))
    try:
        return bench_backend(db, seconds=seconds, threads=threads)
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    """Run the benchmark and print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per scenario")
    parser.add_argument("--threads", type=int, default=4, help="concurrent writers")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    args = parser.parse_args()
    out: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "targets_events_per_second": {"sqlite": 2000, "postgresql": 5000},
        "sqlite": bench_sqlite(seconds=args.seconds, threads=args.threads),
    }
    if not args.no_pg:
        out["postgresql"] = bench_postgres(args.pg, seconds=args.seconds, threads=args.threads)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
