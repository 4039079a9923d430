"""Wake-up signals for live readers of the event log, with a ring of recent events.

The log in the database is the truth; the bus only says "there is more" and keeps the last
few thousand committed events in memory so a thousand consoles need not each query the
database for the same new row. Another node's events arrive only as a wake-up and are read
from the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

RING_SIZE = 4096


class Bus:
    """In-process pub/sub of "the log grew", safe to call from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # Waiters grouped by event loop: one thread-safe call per loop wakes all of its
        # readers (a thousand consoles on one loop cost one wake-up, not a thousand).
        self._waiters: dict[asyncio.AbstractEventLoop, set[asyncio.Event]] = {}
        self._ring: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self._encoded: dict[int, str] = {}
        self.latest_seq = 0

    def publish(self, events: list[dict[str, Any]]) -> None:
        """Record committed events (already in their wire form) and wake every waiter."""
        with self._lock:
            for item in events:
                seq = int(item["seq"])
                self._ring.pop(seq, None)  # keep the ring in arrival order
                self._ring[seq] = item
                self.latest_seq = max(self.latest_seq, seq)
            while len(self._ring) > RING_SIZE:
                old, _item = self._ring.popitem(last=False)
                self._encoded.pop(old, None)
        self.wake()

    def wake(self, seq: int | None = None) -> None:
        """Wake every waiter; ``seq`` is the newest sequence known elsewhere, if any."""
        with self._lock:
            if seq is not None:
                self.latest_seq = max(self.latest_seq, seq)
            waiters = [(loop, list(flags)) for loop, flags in self._waiters.items()]
        for loop, flags in waiters:
            with contextlib.suppress(RuntimeError):  # the loop closed under us
                loop.call_soon_threadsafe(_set_all, flags)

    def encoded(self, item: dict[str, Any], encode: Callable[[dict[str, Any]], str]) -> str:
        """``encode(item)``, computed once per event held in memory and shared by all readers."""
        seq = int(item["seq"])
        with self._lock:
            text = self._encoded.get(seq)
        if text is None:
            text = encode(item)
            with self._lock:
                if self._ring.get(seq) is item:
                    self._encoded[seq] = text
        return text

    def recent_after(
        self, seq: int, limit: int, *, last_hash: str | None = None
    ) -> list[dict[str, Any]] | None:
        """Events after ``seq`` from memory, or None when memory cannot give a gapless run.

        With ``last_hash`` (the hash of event ``seq`` as the reader received it), memory is
        trusted only while each event links to the one before it.
        """
        with self._lock:
            out: list[dict[str, Any]] = []
            nxt = seq + 1
            prev = last_hash
            while nxt in self._ring and len(out) < limit:
                item = self._ring[nxt]
                if prev is not None and item.get("prev_hash") != prev:
                    return None
                out.append(item)
                prev = item.get("hash")
                nxt += 1
            if out or self.latest_seq <= seq:
                return out
            return None

    @property
    def waiting(self) -> int:
        """How many readers are waiting for news now."""
        with self._lock:
            return sum(len(flags) for flags in self._waiters.values())

    async def wait(self, after_seq: int, timeout: float) -> bool:
        """Wait until something newer than ``after_seq`` may exist; False on timeout."""
        flag = asyncio.Event()
        loop = asyncio.get_running_loop()
        with self._lock:
            self._waiters.setdefault(loop, set()).add(flag)
            newer = self.latest_seq > after_seq
        try:
            if newer:
                return True
            try:
                async with asyncio.timeout(timeout):
                    await flag.wait()
            except TimeoutError:
                return False
            return True
        finally:
            with self._lock:
                flags = self._waiters.get(loop)
                if flags is not None:
                    flags.discard(flag)
                    if not flags:
                        del self._waiters[loop]


def _set_all(flags: list[asyncio.Event]) -> None:
    for flag in flags:
        flag.set()


_buses: dict[str, Bus] = {}
_buses_lock = threading.Lock()


def get_bus(database: str = "default") -> Bus:
    """The process's bus for one database (named by its URL without password)."""
    with _buses_lock:
        bus = _buses.get(database)
        if bus is None:
            bus = _buses[database] = Bus()
        return bus
