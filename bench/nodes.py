"""Decisions per second and SSE broadcast latency with one node and two nodes on PostgreSQL.

Usage: uv run python bench/nodes.py [--seconds 5] [--clients 8] [--consoles 20]
       [--pg postgresql://postgres@127.0.0.1:5432/postgres]

For each layout (1 node, 2 nodes) it creates a scratch database, starts ``muster serve``
nodes, opens ``--consoles`` live streams spread over the nodes, and has ``--clients``
threads post airlock requests (one person each) spread over the nodes for ``--seconds``.
It prints JSON: decisions per second, HTTP decision latency percentiles, and broadcast
latency (from the decision's HTTP answer to its ``access.decided`` event on every console,
p50/p99 over all consoles). The consoles on a node that did not make the decision get it
through PostgreSQL LISTEN/NOTIFY.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))

from access.station import build_station
from harness.nodes import Node, prepare_for_nodes
from harness.sse import Received, StreamReader
from muster.auth import service as auth_service
from muster.db import Database
from muster.events.service import last_seq
from muster.people.enums import Affiliation
from muster.policy.actor import Actor


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _setup(url: str, persons: int) -> tuple[str, str, int]:
    db = Database(url)
    prepare_for_nodes(db)
    with db.session_scope() as s:
        st = build_station(s)
        for i in range(persons):
            st.add_person(f"R{i}", Affiliation.RESIDENT, zone="south")
        portal = st.portals["Hospital door"].id
        auth_service.create_account(
            s,
            username="bench",
            display_name="bench",
            roles=["admin"],
            password="correct horse battery",
            actor=Actor.system("bench"),
        )
        _t, token = auth_service.create_token(
            s, name="bench", username="bench", scopes=[], actor=Actor.system("bench")
        )
    with db.session_scope(write=False) as s:
        start = last_seq(s)
    db.dispose()
    return portal, token, start


def run_layout(admin_url: str, n_nodes: int, args: argparse.Namespace, logs: Path) -> dict:
    """One measurement with ``n_nodes`` nodes on a fresh database."""
    name = f"muster_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    nodes: list[Node] = []
    readers: list[StreamReader] = []
    try:
        portal, token, start = _setup(url, args.clients)
        nodes = [Node(url, log_path=logs / f"node{i}.log") for i in range(n_nodes)]
        for node in nodes:
            node.start()
        for node in nodes:
            node.wait_ready(120)
        answered: dict[str, float] = {}  # decision id -> time its HTTP answer arrived
        arrivals: list[tuple[str, float]] = []
        lock = threading.Lock()

        def on_event(item: Received) -> None:
            if item.kind == "access.decided":
                with lock:
                    arrivals.append((item.data["payload"]["decision_id"], item.at))

        for i in range(args.consoles):
            home = nodes[i % n_nodes].url
            readers.append(StreamReader([home], token, after=start, on_event=on_event).start())
        latencies: list[float] = []
        stop = time.monotonic() + args.seconds

        def client(k: int) -> None:
            node = nodes[k % n_nodes]
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=node.url, headers=headers, timeout=10) as http:
                while time.monotonic() < stop:
                    t0 = time.monotonic()
                    r = http.post(
                        f"/api/v1/portals/{portal}/requests",
                        json={"persons": [f"R{k}"], "direction": "exit"},
                    )
                    t1 = time.monotonic()
                    r.raise_for_status()
                    with lock:
                        latencies.append(t1 - t0)
                        answered[r.json()["decisions"][0]["decision_id"]] = t1

        threads = [threading.Thread(target=client, args=(k,)) for k in range(args.clients)]
        began = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - began
        time.sleep(2.0)  # let the last broadcasts arrive
        broadcast = [at - answered[d] for d, at in arrivals if d in answered]
        expected = len(answered) * args.consoles
        return {
            "nodes": n_nodes,
            "decisions": len(latencies),
            "decisions_per_s": round(len(latencies) / elapsed, 1),
            "http_ms": {
                "p50": round(_pct(latencies, 0.5) * 1000, 1),
                "p99": round(_pct(latencies, 0.99) * 1000, 1),
            },
            "broadcast_ms": {
                "p50": round(_pct(broadcast, 0.5) * 1000, 1),
                "p99": round(_pct(broadcast, 0.99) * 1000, 1),
                "mean": round(statistics.fmean(broadcast) * 1000, 1) if broadcast else None,
            },
            "deliveries": len(broadcast),
            "deliveries_expected": expected,
        }
    finally:
        for r in readers:
            r.stop()
        for node in nodes:
            node.stop()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    """Run both layouts and print one JSON document."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--consoles", type=int, default=20)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    admin_url = args.pg.replace("postgresql://", "postgresql+psycopg://", 1)
    with tempfile.TemporaryDirectory() as tmp:
        results = [run_layout(admin_url, n, args, Path(tmp)) for n in (1, 2)]
    print(json.dumps({"args": vars(args), "results": results}, indent=2))


if __name__ == "__main__":
    main()
