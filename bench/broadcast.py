"""Flash broadcast fan-out: publish-to-receive latency at N live consoles and handsets.

For each N, a fresh Muster server (uvicorn, SQLite file, its own process) gets N persons
with handset tokens and a broadcast channel. The client process opens N SSE consoles on
/api/v1/events/stream and, separately, N WebSocket handsets on /api/v1/handsets/ws, posts
flash messages and records when each one arrives. It then sends a push-to-talk clip from
one handset and times its arrival, audio inline, at the others (time to first audio).
The baseline is a raw Starlette app that fans the same payload out over SSE and WebSocket
from in-memory queues, measured in the same run. Prints JSON.

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
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import websockets

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
    from muster.auth.actor import Actor
    from muster.auth.models import Account
    from muster.auth.service import create_token
    from muster.comms.service import ensure_broadcast_channel
    from muster.db import Base, Database
    from muster.people.enums import Affiliation, PersonStatus
    from muster.people.models import Person

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


# ---- clients ------------------------------------------------------------------------------


class Arrivals:
    """When each connection saw each round's marker."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {}

    def seen(self, text: str) -> None:
        for marker in self.times:
            if marker in text:
                self.times[marker].append(time.perf_counter())


async def sse_client(
    port: int, path: str, token: str | None, arrivals: Arrivals, ready: asyncio.Event
) -> None:
    """A console: a raw HTTP/1.1 SSE reader."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**20)
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: bench\r\n{auth}Accept: text/event-stream\r\n\r\n".encode()
    )
    await writer.drain()
    while True:
        line = await reader.readline()
        if not line:
            return
        if line.startswith(b":"):
            ready.set()
        elif line.startswith(b"data:"):
            arrivals.seen(line.decode())


async def ws_client(uri: str, arrivals: Arrivals, ready: asyncio.Event, holder: list[Any]) -> None:
    """A handset: records message frames carrying a marker."""
    async with websockets.connect(uri, max_size=2**24, open_timeout=60) as ws:
        holder.append(ws)
        async for raw in ws:
            text = raw if isinstance(raw, str) else raw.decode()
            if '"hello"' in text[:40]:
                ready.set()
            else:
                arrivals.seen(text)


def summary(t0: float, times: list[float], expected: int) -> dict[str, Any]:
    """p50/p99 in milliseconds and how many arrived."""
    ms = sorted((t - t0) * 1000 for t in times)
    if not ms:
        return {"received": 0, "expected": expected}
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    return {
        "received": len(ms),
        "expected": expected,
        "p50_ms": round(statistics.median(ms), 2),
        "p99_ms": round(p99, 2),
        "max_ms": round(ms[-1], 2),
    }


async def open_all(factories: list[Any], batch: int = 10) -> list[asyncio.Task[None]]:
    """Open connections in small batches (the server pool is 15) until each said hello."""
    tasks: list[asyncio.Task[None]] = []
    for start in range(0, len(factories), batch):
        events = []
        for factory in factories[start : start + batch]:
            ready = asyncio.Event()
            events.append(ready)
            tasks.append(asyncio.create_task(factory(ready)))
        await asyncio.wait_for(asyncio.gather(*(e.wait() for e in events)), 120)
    return tasks


async def measure(
    publish: Any, arrivals: Arrivals, rounds: int, expected: int, settle: float = 3.0
) -> dict[str, Any]:
    """Publish ``rounds`` times (after one warm-up); pool every arrival's latency."""
    pooled: list[float] = []
    publish_ms: list[float] = []
    await publish("warm-up")
    await asyncio.sleep(0.5)
    for r in range(rounds):
        marker = f"bench-round-{time.monotonic_ns()}-{r}"
        arrivals.times[marker] = []
        t0 = time.perf_counter()
        await publish(marker)
        publish_ms.append((time.perf_counter() - t0) * 1000)
        deadline = time.perf_counter() + 30
        while len(arrivals.times[marker]) < expected and time.perf_counter() < deadline:
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.05)
        pooled.extend(t - t0 for t in arrivals.times.pop(marker))
        await asyncio.sleep(settle / rounds)
    result = summary(0.0, pooled, expected * rounds)
    result["publish_call_p50_ms"] = round(statistics.median(publish_ms), 2)
    return result


async def bench_muster(port: int, secrets: dict[str, Any], n: int, rounds: int) -> dict[str, Any]:
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
        out["sse_consoles"] = await measure(publish, arrivals, rounds, n)
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
        out["ws_handsets"] = await measure(publish, arrivals, rounds, n)

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

        out["first_audio"] = await measure(talk, arrivals, max(1, rounds // 2), n)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return out


async def bench_baseline(port: int, n: int, rounds: int, payload_bytes: int) -> dict[str, Any]:
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
            out[name] = await measure(publish, arrivals, rounds, n)
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
                muster = asyncio.run(bench_muster(port, secrets, n, rounds))
            finally:
                stop(proc)
        port = free_port()
        proc = start(["--serve-baseline", str(port)], port)
        try:
            baseline = asyncio.run(bench_baseline(port, n, rounds, 700))
        finally:
            stop(proc)
        row = {"n": n, "muster": muster, "starlette_baseline": baseline}
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
