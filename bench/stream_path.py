"""Per-console CPU of the live stream's own path, without sockets or HTTP.

N ``event_stream`` generators (the code behind /api/v1/events/stream) on one event loop
against a SQLite log; each round commits one event from a worker thread (the commit
publishes it to the bus and wakes the loop) and measures the event loop thread's CPU until
every generator has yielded it. The baseline is N bare readers of ``asyncio.Queue``s fed
the same number of bytes, the floor any fan-out pays. Thread CPU time, not wall time, so
a busy machine moves the figures less; the ratio is the figure to compare. Prints JSON.

Usage:
    uv run python bench/stream_path.py [--n 1000 3000] [--rounds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import uvloop

import muster.models  # noqa: F401
from muster.db import Base, Database
from muster.events.api import event_stream
from muster.events.service import append_event
from muster.policy.actor import Actor

PAD = "x" * 600  # about the size of a flash order's event


async def _fan_out(
    streams: list[AsyncIterator[bytes]], rounds: int, one_round: Callable[[int], Awaitable[None]]
) -> list[float]:
    """Drain every stream in its own task; per round, the loop thread's CPU until all got it."""
    got = [0]

    async def drain(stream: AsyncIterator[bytes]) -> None:
        async for _chunk in stream:
            got[0] += 1

    tasks = [asyncio.create_task(drain(s)) for s in streams]
    await asyncio.sleep(0.3)
    spent = []
    for r in range(rounds):
        target = got[0] + len(streams)
        started = time.thread_time()
        await one_round(r)
        while got[0] < target:
            await asyncio.sleep(0)
        spent.append(time.thread_time() - started)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return spent


async def muster_streams(db: Database, n: int, rounds: int) -> list[float]:
    """N event streams; each round appends one event in a worker thread."""
    streams = [event_stream(db, start=1, heartbeat=30) for _ in range(n)]
    for stream in streams:
        await anext(stream)  # the retry line; the stream now waits for news

    def write(r: int) -> None:
        with db.session_scope() as session:
            append_event(
                session, kind="bench.flash", actor=Actor.system("bench"), payload={"r": r, "p": PAD}
            )

    async def one_round(r: int) -> None:
        await asyncio.to_thread(write, r)  # the loop's CPU meanwhile is the fan-out's

    return await _fan_out(streams, rounds, one_round)


async def queue_readers(n: int, rounds: int) -> list[float]:
    """N readers of their own queue; each round puts the same text in every queue."""
    queues: list[asyncio.Queue[str]] = [asyncio.Queue() for _ in range(n)]

    async def reader(queue: asyncio.Queue[str]) -> AsyncIterator[bytes]:
        while True:
            yield f"event: bench.flash\ndata: {await queue.get()}\n\n".encode()

    async def one_round(_r: int) -> None:
        body = json.dumps({"p": PAD})
        for queue in queues:
            queue.put_nowait(body)

    return await _fan_out([reader(q) for q in queues], rounds, one_round)


def per_console_us(spent: list[float], n: int) -> float:
    """The median round's CPU per console, in microseconds."""
    return round(statistics.median(spent) / n * 1e6, 2)


def run(ns: list[int], rounds: int) -> dict[str, Any]:
    """Every N: Muster's streams, then the queue readers."""
    out: dict[str, Any] = {"cpus": os.cpu_count(), "load_1min": os.getloadavg()[0], "runs": []}
    for n in ns:
        with tempfile.TemporaryDirectory() as tmp:
            db = Database(f"sqlite:///{tmp}/bench.db")
            Base.metadata.create_all(db.engine)
            with db.session_scope() as session:
                append_event(session, kind="bench.start", actor=Actor.system("bench"), payload={})
            ours = per_console_us(uvloop.run(muster_streams(db, n, rounds)), n)
            db.dispose()
        floor = per_console_us(uvloop.run(queue_readers(n, rounds)), n)
        out["runs"].append(
            {
                "n": n,
                "event_stream_us_per_console": ours,
                "queue_us_per_console": floor,
                "ratio": round(ours / floor, 2),
            }
        )
    return out


def main() -> None:
    """Parse arguments, measure, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, nargs="+", default=[1000, 3000])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    print(json.dumps(run(args.n, args.rounds), indent=2))


if __name__ == "__main__":
    main()
