"""Flash broadcast fan-out: publish-to-receive latency at N live consoles and handsets.

For each N, a fresh Muster server (uvicorn, SQLite file, its own process) gets N persons
with handset tokens and a broadcast channel. The client process opens N SSE consoles on
/api/v1/events/stream and, separately, N WebSocket handsets on /api/v1/handsets/ws, posts
flash messages and records when each one arrives. It then sends a push-to-talk clip from
one handset and times its arrival, audio inline, at the others (time to first audio).
The baseline is a raw Starlette app that fans the same payload out over SSE and WebSocket
from in-memory queues, measured in the same run. Prints JSON, with each N's ratios to the
baseline (``ratio_to_baseline``: p50, p99 and server CPU; targets 1.5 at 1,000 consoles
and 2 at 3,000).

Client and server share the machine, so each measurement also reports the CPU seconds the
client process and the server process spent during it (``client_cpu_s``, ``server_cpu_s``,
from /proc on Linux) and the load average when it began: the client's share is the part
of every latency figure that is the benchmark's own cost.

Usage:
    uv run python bench/broadcast.py [--n 100 1000 3000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from fanout_clients import Arrivals, measure, open_all, sse_client, ws_client

HERE = Path(__file__).resolve()
CLIP = b"\x1aE\xdf\xa3" + os.urandom(6000)  # about a second of 48 kb/s Opus


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---- servers (run in their own process) -------------------------------------------------


def role_of(i: int) -> list[str]:
    """Person 0 commands and publishes; person 1 is an officer who talks; the rest guard."""
    return ["commander"] if i == 0 else ["officer"] if i == 1 else ["guard"]


def prepare_muster(url: str, n: int) -> dict[str, Any]:
    """Schema, N persons with tokens, a commander, the broadcast channel; return the secrets."""
    import muster.models  # noqa: F401
    from muster import clock
    from muster.auth.models import Account
    from muster.auth.service import create_token
    from muster.comms.service import ensure_broadcast_channel
    from muster.db import Base, Database
    from muster.people.enums import Affiliation, PersonStatus
    from muster.people.models import Person
    from muster.policy.actor import Actor

    db = Database(url)
    Base.metadata.create_all(db.engine)
    actor = Actor.system("bench")
    tokens: list[str] = []
    with db.session_scope() as session:
        now = clock.now()
        people = [
            Person(
                name=f"Crew {i:05d}",
                affiliation=Affiliation.CREW,
                roles=role_of(i),
                status=PersonStatus.ACTIVE,
                created_at=now,
                updated_at=now,
            )
            for i in range(n + 1)
        ]
        session.add_all(people)
        session.flush()
        for i, person in enumerate(people):
            roles = role_of(i)
            session.add(
                Account(
                    username=f"u{i}",
                    display_name=person.name,
                    roles=roles,
                    person_id=person.id,
                    password_hash="x",
                    created_at=now,
                )
            )
        session.flush()
        for i in range(n + 1):
            tokens.append(
                create_token(session, name=f"t{i}", username=f"u{i}", scopes=[], actor=actor)[1]
            )
        channel = ensure_broadcast_channel(session, actor=actor)
        channel_id = channel.id
    db.dispose()
    return {"commander": tokens[0], "tokens": tokens[1:], "channel_id": channel_id}


def serve_muster(url: str, port: int) -> None:
    """Run Muster on ``port``."""
    import uvicorn

    from muster.config import Mode, Settings
    from muster.db import Database
    from muster.web.app import create_app

    settings = Settings(mode=Mode.DEV, database_url=url)
    app = create_app(settings, Database(url), run_scheduler=False)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", backlog=4096)


def serve_baseline(port: int) -> None:
    """A raw Starlette fan-out: POST /publish copies the body to every SSE and WS queue."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response, StreamingResponse
    from starlette.routing import Route, WebSocketRoute
    from starlette.websockets import WebSocket

    queues: set[asyncio.Queue[str]] = set()

    async def publish(request: Request) -> Response:
        body = (await request.body()).decode()
        for q in queues:
            q.put_nowait(body)
        return Response(status_code=204)

    async def stream(request: Request) -> StreamingResponse:
        q: asyncio.Queue[str] = asyncio.Queue()
        queues.add(q)

        async def gen() -> Any:
            try:
                yield ": hello\n\n"
                while True:
                    yield f"event: comms.message.sent\ndata: {await q.get()}\n\n"
            finally:
                queues.discard(q)

        return StreamingResponse(gen(), media_type="text/event-stream")

    async def ws_endpoint(ws: WebSocket) -> None:
        await ws.accept()
        q: asyncio.Queue[str] = asyncio.Queue()
        queues.add(q)
        await ws.send_text('{"type": "hello"}')
        try:
            while True:
                await ws.send_text(await q.get())
        except Exception:
            queues.discard(q)

    app = Starlette(
        routes=[
            Route("/publish", publish, methods=["POST"]),
            Route("/stream", stream),
            WebSocketRoute("/ws", ws_endpoint),
        ]
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", backlog=4096)


# ---- runs ---------------------------------------------------------------------------------


async def bench_muster(
    port: int, secrets: dict[str, Any], n: int, rounds: int, server_pid: int
) -> dict[str, Any]:
    """SSE consoles, then WebSocket handsets, then a clip, against Muster."""
    out: dict[str, Any] = {}
    headers = {"Authorization": f"Bearer {secrets['commander']}"}
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=60
    ) as http:

        async def publish(marker: str) -> None:
            body = {"channel_id": secrets["channel_id"], "precedence": "flash", "text": marker}
            response = await http.post("/api/v1/comms/messages", json=body)
            response.raise_for_status()

        arrivals = Arrivals()
        token = secrets["commander"]
        factories = [
            (lambda ready: sse_client(port, "/api/v1/events/stream", token, arrivals, ready))
            for _ in range(n)
        ]
        tasks = await open_all(factories)
        out["sse_consoles"] = await measure(publish, arrivals, rounds, n, server_pid=server_pid)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

        arrivals = Arrivals()
        sockets: list[Any] = []
        base = f"ws://127.0.0.1:{port}/api/v1/handsets/ws?after=999999999&token="
        factories = [  # the first token is the officer who talks; only its socket is kept
            (
                lambda ready, tok=tok, i=i: ws_client(
                    base + tok, arrivals, ready, sockets if i == 0 else []
                )
            )
            for i, tok in enumerate(secrets["tokens"][:n])
        ]
        tasks = await open_all(factories)
        out["ws_handsets"] = await measure(publish, arrivals, rounds, n, server_pid=server_pid)

        async def talk(marker: str) -> None:
            frame = {
                "type": "clip",
                "channel_id": secrets["channel_id"],
                "precedence": "flash",
                "text": marker,
                "mime": "audio/webm",
                "data": base64.b64encode(CLIP).decode(),
            }
            await sockets[0].send(json.dumps(frame))

        out["first_audio"] = await measure(
            talk, arrivals, max(1, rounds // 2), n, server_pid=server_pid
        )
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return out


async def bench_baseline(
    port: int, n: int, rounds: int, payload_bytes: int, server_pid: int
) -> dict[str, Any]:
    """The same fan-out through raw Starlette."""
    out: dict[str, Any] = {}
    filler = "x" * max(0, payload_bytes - 60)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:

        async def publish(marker: str) -> None:
            await http.post("/publish", content=json.dumps({"text": marker, "pad": filler}))

        for name, make in (
            ("sse_consoles", lambda a: lambda ready: sse_client(port, "/stream", None, a, ready)),
            (
                "ws_handsets",
                lambda a: lambda ready: ws_client(f"ws://127.0.0.1:{port}/ws", a, ready, []),
            ),
        ):
            arrivals = Arrivals()
            tasks = await open_all([make(arrivals) for _ in range(n)])
            out[name] = await measure(publish, arrivals, rounds, n, server_pid=server_pid)
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    return out


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server; kill it if open streams keep it from shutting down."""
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def start(args: list[str], port: int) -> subprocess.Popen[bytes]:
    """Start a server process and wait until it accepts connections."""
    proc = subprocess.Popen([sys.executable, str(HERE), *args])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"server {args} did not start")


def ratios(muster: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    """Muster's latency over the baseline's, per path, at p50 and p99, and the ratio of the
    server CPU each spent (the steadier figure on a shared machine)."""
    out: dict[str, Any] = {}
    for path in ("sse_consoles", "ws_handsets"):
        ours, floor = muster[path], baseline[path]
        out[path] = {
            key: round(ours[key] / floor[key], 2) if floor.get(key) else None
            for key in ("p50_ms", "p99_ms", "server_cpu_s")
        }
    return out


def run(ns: list[int], rounds: int) -> dict[str, Any]:
    """Every N, Muster then the baseline."""
    results: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "rounds": rounds,
        "runs": [],
    }
    for n in ns:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/bench.db"
            secrets = prepare_muster(url, n)
            port = free_port()
            proc = start(["--serve-muster", url, str(port)], port)
            try:
                muster = asyncio.run(bench_muster(port, secrets, n, rounds, proc.pid))
            finally:
                stop(proc)
        port = free_port()
        proc = start(["--serve-baseline", str(port)], port)
        try:
            baseline = asyncio.run(bench_baseline(port, n, rounds, 700, proc.pid))
        finally:
            stop(proc)
        row = {
            "n": n,
            "muster": muster,
            "starlette_baseline": baseline,
            "ratio_to_baseline": ratios(muster, baseline),
        }
        print(json.dumps(row), file=sys.stderr, flush=True)
        results["runs"].append(row)
    return results


def main() -> None:
    """Parse arguments; serve or measure."""
    if len(sys.argv) > 1 and sys.argv[1] == "--serve-muster":
        serve_muster(sys.argv[2], int(sys.argv[3]))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--serve-baseline":
        serve_baseline(int(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, nargs="+", default=[100, 1000, 3000])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(run(args.n, args.rounds), indent=2))


if __name__ == "__main__":
    main()
