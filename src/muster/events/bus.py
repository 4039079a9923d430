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
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

RING_SIZE = 4096


class Bus:
    """In-process pub/sub of "the log grew", safe to call from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # Waiters grouped by event loop: one thread-safe call per loop wakes all of its
        # readers (a thousand consoles on one loop cost one wake-up, not a thousand). A
        # waiter is a bare future: no Event, no task, no timeout context per reader.
        self._waiters: dict[asyncio.AbstractEventLoop, set[asyncio.Future[bool]]] = {}
        self._ring: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self._encoded: dict[int, dict[Callable[[dict[str, Any]], bytes], bytes]] = {}
        # Timeouts of waiters, grouped by loop, timeout and a quarter of it (see ``wait``).
        self._timeouts: dict[tuple[asyncio.AbstractEventLoop, float, int], _Slot] = {}
        # One shared read of the log's tail per loop at a time (see ``refresh_tail``).
        self._tail_reads: dict[asyncio.AbstractEventLoop, asyncio.Future[int]] = {}
        self._tail_read_at = float("-inf")
        self.latest_seq = 0

    def publish(self, events: list[dict[str, Any]]) -> None:
        """Record committed events (already in their wire form) and wake every waiter."""
        with self._lock:
            for item in events:
                seq = int(item["seq"])
                if self._replaces_log(item):
                    self._forget_locked()
                self._ring.pop(seq, None)  # keep the ring in arrival order
                self._ring[seq] = item
                self.latest_seq = max(self.latest_seq, seq)
            while len(self._ring) > RING_SIZE:
                old, _item = self._ring.popitem(last=False)
                self._encoded.pop(old, None)
        self.wake()

    def _replaces_log(self, item: dict[str, Any]) -> bool:
        """Whether ``item`` comes from a log other than the one in memory: its seq is held
        with another hash, or the event before it in memory is not the one it links to.
        A log never reuses a seq, so this is a log emptied or restored under the process."""
        seq = int(item["seq"])
        held = self._ring.get(seq)
        if held is not None and held.get("hash") != item.get("hash"):
            return True
        before = self._ring.get(seq - 1)
        return before is not None and before.get("hash") != item.get("prev_hash")

    def forget(self) -> None:
        """Drop what memory holds of the log, for a log replaced under this process (a
        restore into a serving node's database; a test emptying its database). Readers
        then read the log itself; the newest seq known starts again from the next event."""
        with self._lock:
            self._forget_locked()
        self.wake()

    def _forget_locked(self) -> None:
        self._ring.clear()
        self._encoded.clear()
        self.latest_seq = 0
        self._tail_read_at = float("-inf")

    def wake(self, seq: int | None = None) -> None:
        """Wake every waiter; ``seq`` is the newest sequence known elsewhere, if any."""
        with self._lock:
            if seq is not None:
                self.latest_seq = max(self.latest_seq, seq)
            waiters, self._waiters = self._waiters, {}  # a woken waiter registers anew
        for loop, futures in waiters.items():
            with contextlib.suppress(RuntimeError):  # the loop closed under us
                loop.call_soon_threadsafe(_resolve_all, futures, True)

    def encoded(self, item: dict[str, Any], encode: Callable[[dict[str, Any]], bytes]) -> bytes:
        """``encode(item)``, computed once per event and encoding held in memory and shared
        by all readers."""
        seq = int(item["seq"])
        with self._lock:
            text = self._encoded.get(seq, {}).get(encode)
        if text is None:
            text = encode(item)
            with self._lock:
                if self._ring.get(seq) is item:
                    self._encoded.setdefault(seq, {})[encode] = text
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
            return sum(len(futures) for futures in self._waiters.values())

    async def wait(self, after_seq: int, timeout: float) -> bool:
        """Wait until something newer than ``after_seq`` may exist; False on timeout.

        The timeout comes between three quarters of ``timeout`` and ``timeout``, never
        later: waiters of one loop that start waiting within the same quarter share one
        timer (a timer per waiter was most of a thousand consoles' cost per event).
        """
        future, timing = self.waiter(after_seq, timeout)
        try:
            return await future
        finally:
            self.stop_waiting(future, timing)

    def waiter(self, after_seq: int, timeout: float) -> tuple[asyncio.Future[bool], _Slot | None]:
        """``wait`` in two calls, for a reader that waits once per event: a future that
        becomes True on news and False on timeout, and its timer's slot; the caller awaits
        the future and then calls ``stop_waiting`` with both (in a ``finally``).

        A live stream waits once per event per console: as a bare future, a wait leaves no
        coroutine object behind for the garbage collector's young generation to go through
        (a thousand waiting consoles were a 2-4 ms collection at the next flash order).
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        with self._lock:
            if self.latest_seq > after_seq:
                future.set_result(True)
                return future, None
            self._waiters.setdefault(loop, set()).add(future)
        timing = self._timed(loop, timeout)
        timing.add(future)
        return future, timing

    def stop_waiting(self, future: asyncio.Future[bool], timing: _Slot | None) -> None:
        """Unregister a waiter from ``waiter`` once its future is done or cancelled."""
        if timing is None:
            return
        timing.discard(future)
        if not timing and self._timeouts.get(timing.key) is timing:
            del self._timeouts[timing.key]  # none left to time out (a closed loop keeps none)
        if future.done() and not future.cancelled() and future.result():
            return  # woken: the wake took it out of the waiters already
        with self._lock:  # timed out or cancelled: still registered
            waiting = self._waiters.get(timing.key[0])
            if waiting is not None:
                waiting.discard(future)
                if not waiting:
                    del self._waiters[timing.key[0]]

    def _timed(self, loop: asyncio.AbstractEventLoop, timeout: float) -> _Slot:
        """The slot of waiters whose ``timeout`` falls due together, with its timer set (on
        ``loop``'s thread)."""
        quarter = timeout / 4 if timeout > 0 else 1.0  # no time at all: due at once
        key = (loop, timeout, int(loop.time() // quarter))
        slot = self._timeouts.get(key)
        if slot is None:
            slot = self._timeouts[key] = _Slot(key)
            loop.call_at(key[2] * quarter + timeout, self._time_out, key)
        return slot

    def _time_out(self, key: tuple[asyncio.AbstractEventLoop, float, int]) -> None:
        for future in self._timeouts.pop(key, ()):
            _resolve(future, False)

    async def refresh_tail(self, read_tail: Callable[[], int], max_age: float) -> int:
        """The newest ``seq`` in the log, from ``read_tail`` run in a thread.

        For readers that timed out waiting: another process may have written to the log
        without waking this one (SQLite has no LISTEN). Readers that ask together share one
        read, and a read younger than ``max_age`` seconds is reused, so a thousand idle
        consoles cost one query per ``max_age``, not a thousand.
        """
        loop = asyncio.get_running_loop()
        with self._lock:
            if time.monotonic() - self._tail_read_at < max_age:
                return self.latest_seq
            pending = self._tail_reads.get(loop)
            if pending is None:
                pending = self._tail_reads[loop] = asyncio.ensure_future(
                    self._read_tail(loop, read_tail)
                )
        return await asyncio.shield(pending)

    async def _read_tail(
        self, loop: asyncio.AbstractEventLoop, read_tail: Callable[[], int]
    ) -> int:
        try:
            tail = await asyncio.to_thread(read_tail)
        finally:
            with self._lock:
                self._tail_reads.pop(loop, None)
        with self._lock:
            self._tail_read_at = time.monotonic()
            newer = tail > self.latest_seq
        if newer:
            self.wake(tail)
        return tail


class _Slot(set[asyncio.Future[bool]]):
    """The waiters of one loop whose timeouts fall due together, and the slot's key."""

    __slots__ = ("key",)

    def __init__(self, key: tuple[asyncio.AbstractEventLoop, float, int]) -> None:
        super().__init__()
        self.key = key


def _resolve(future: asyncio.Future[bool], value: bool) -> None:
    if not future.done():
        future.set_result(value)


def _resolve_all(futures: set[asyncio.Future[bool]], value: bool) -> None:
    for future in futures:
        if not future.done():
            future.set_result(value)


_buses: dict[str, Bus] = {}
_buses_lock = threading.Lock()


def get_bus(database: str = "default") -> Bus:
    """The process's bus for one database (named by its URL without password)."""
    with _buses_lock:
        bus = _buses.get(database)
        if bus is None:
            bus = _buses[database] = Bus()
        return bus
