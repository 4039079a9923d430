"""Access decisions: latency of the service call with its log write, Cedar alone, roll call,
and HTTP decisions at a reader under load; on SQLite and PostgreSQL; prints JSON.

With 100,000 persons registered (placed aboard, some held), each sample is one person's
request at the South airlock through ``decide_request``: load facts, Cedar, store the
decision, append the event. "service" times the call and its flush inside a transaction;
"service_commit" also commits each decision on its own (a durable write per decision).
HTTP: uvicorn in a subprocess, requests sent at a fixed rate by an asyncio httpx client.

Usage:
    uv run python bench/access.py [--persons 100000] [--samples 2000] [--rate 500]
        [--seconds 10] [--pg postgresql://postgres@127.0.0.1:5432/test] [--no-pg]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

import muster.models  # noqa: F401  (every table on the metadata)
from muster import clock
from muster.access.decisions import cedar_input_for, decide_request, evaluate
from muster.access.enums import Direction
from muster.access.facts import load_persons, load_portal
from muster.access.models import Hold, Presence
from muster.access.policy_store import shipped_engine
from muster.access.rollcall import rollcall_report, start_rollcall
from muster.auth import service as auth_service
from muster.auth.actor import Actor
from muster.db import Base, Database, new_id
from muster.people.models import Party, Person
from muster.places.models import Portal, Zone

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


def bench_service(db: Database, portal_id: str, ids: list[str], samples: int) -> dict[str, Any]:
    """decide_request latency: in a transaction (flush), and with a commit per decision."""
    engine = shipped_engine()
    in_tx: list[float] = []
    with db.session_scope() as s:
        for _ in range(samples):
            pid = random.choice(ids)
            t = time.perf_counter()
            decide_request(
                s,
                portal_id=portal_id,
                person_refs=[pid],
                direction=Direction.EXIT,
                actor=ACTOR,
                engine=engine,
            )
            s.flush()
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
    cedar: list[float] = []
    with db.session_scope(write=False) as s:
        portal = load_portal(s, portal_id)
        facts = load_persons(s, random.sample(ids, 200), clock.now())
        requests = [cedar_input_for(p, portal, Direction.EXIT, [p]) for p in facts.values()]
    for i in range(samples):
        req = requests[i % len(requests)]
        t = time.perf_counter()
        evaluate(engine, req)
        cedar.append((time.perf_counter() - t) * 1000)
    with db.session_scope() as s:
        start_rollcall(s, reason="bench", actor=ACTOR)
    roll: list[float] = []
    for _ in range(5):
        with db.session_scope(write=False) as s:
            t = time.perf_counter()
            rollcall_report(s, limit=100)
            roll.append((time.perf_counter() - t) * 1000)
    return {
        "service": _summary(in_tx),
        "service_commit": _summary(committed),
        "cedar": _summary(cedar),
        "rollcall": _summary(roll),
    }


def reader_app() -> Any:
    """The app the reader talks to: the full app, or only the access routes when another
    domain's router does not import (domains are built in parallel)."""
    from fastapi import FastAPI

    from muster.config import get_settings
    from muster.web.app import create_app
    from muster.web.problems import install_problem_handlers

    try:
        return create_app()
    except Exception as exc:
        print(f"full app failed to build ({exc}); serving the access routes only", file=sys.stderr)
    from muster.access.api import router

    app = FastAPI()
    app.state.settings = get_settings()
    app.state.db = Database(app.state.settings.database_url)
    install_problem_handlers(app)
    app.include_router(router)
    app.get("/healthz")(lambda: {"status": "ok"})
    return app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _drive(
    url: str, token: str, portal_id: str, badges: list[str], rate: int, seconds: float
) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(
        base_url=url, limits=limits, timeout=10, headers={"Authorization": f"Bearer {token}"}
    ) as client:

        async def one() -> None:
            nonlocal errors
            t = time.perf_counter()
            try:
                resp = await client.post(
                    f"/api/v1/portals/{portal_id}/requests",
                    json={"persons": [random.choice(badges)], "direction": "exit"},
                )
                ok = resp.status_code == 200
            except httpx.HTTPError:
                ok = False
            latencies.append((time.perf_counter() - t) * 1000)
            if not ok:
                errors += 1

        tasks = []
        start = time.perf_counter()
        for n in range(int(rate * seconds)):
            delay = start + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - start
    return {
        "rate_target": rate,
        "sent": len(latencies),
        "achieved_per_s": round(len(latencies) / elapsed, 1),
        "errors": errors,
        **_summary(latencies),
    }


def bench_http(
    db: Database, portal_id: str, persons: int, rate: int, seconds: float
) -> dict[str, Any]:
    """Decisions over HTTP at a fixed request rate, against uvicorn in a subprocess."""
    with db.session_scope() as s:
        auth_service.create_account(
            s,
            username="reader",
            display_name="reader",
            roles=["device"],
            password="correct horse battery",
            actor=ACTOR,
        )
        _, token = auth_service.create_token(
            s, name="reader", username="reader", scopes=[], actor=ACTOR
        )
    port = _free_port()
    env = {**os.environ, "MUSTER_DATABASE_URL": db.url, "MUSTER_MODE": "dev"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "access:reader_app",
            "--app-dir",
            str(Path(__file__).parent),
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        badges = [f"B{i}" for i in range(0, persons, 7)]
        asyncio.run(_drive(url, token, portal_id, badges, rate, 1.0))  # warm-up
        return asyncio.run(_drive(url, token, portal_id, badges, rate, seconds))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def run(url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Every measurement on one database."""
    db = Database(url)
    Base.metadata.create_all(db.engine)
    t = time.perf_counter()
    portal_id, ids = populate(db, args.persons)
    result: dict[str, Any] = {
        "backend": db.engine.dialect.name,
        "persons": args.persons,
        "populate_s": round(time.perf_counter() - t, 1),
    }
    result.update(bench_service(db, portal_id, ids, args.samples))
    if args.rate:
        result["http"] = bench_http(db, portal_id, args.persons, args.rate, args.seconds)
    db.dispose()
    return result


def main() -> None:
    """Run on SQLite and, unless --no-pg, on a scratch PostgreSQL database."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(run(f"sqlite:///{Path(tmp) / 'bench.db'}", args))
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
