"""Fan-out clients for bench/broadcast.py: raw SSE readers, WebSocket handsets, timing.

Each receiver records when it saw each round's marker; ``measure`` publishes, waits for
every arrival and pools the latencies, with the CPU the client and server spent meanwhile.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from pathlib import Path
from typing import Any

import websockets


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


def process_cpu(pid: int) -> float:
    """CPU seconds (user and system) that process ``pid`` has used; 0 where /proc is absent."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(
    publish: Any,
    arrivals: Arrivals,
    rounds: int,
    expected: int,
    settle: float = 3.0,
    server_pid: int = 0,
) -> dict[str, Any]:
    """Publish ``rounds`` times (after one warm-up); pool every arrival's latency."""
    pooled: list[float] = []
    publish_ms: list[float] = []
    await publish("warm-up")
    await asyncio.sleep(0.5)
    load = os.getloadavg()[0]
    client0, server0 = time.process_time(), process_cpu(server_pid)
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
    result["client_cpu_s"] = round(time.process_time() - client0, 2)
    result["server_cpu_s"] = round(process_cpu(server_pid) - server0, 2)
    result["load_1min"] = round(load, 2)
    return result
