"""The door's decision thread and journal thread: requests that arrive together share a
commit, and the next batch is decided while the last one's fsync runs.

The readers' requests (``POST .../requests``) come in on the event loop; each is queued
here and awaited. The decision thread takes everything queued and decides each in turn
(``DoorController.rule_many``: the same decision as every other path), then hands the
batch to the journal thread. That one commits the entries of every batch queued by then in
one transaction, one fsync (``journal_ruled``), and only then answers them, all at once on
the loop. A reader is answered only after the commit that holds its entry, so "durable
before answering" holds; a commit that fails answers every request of it with the error,
none with a decision. Batches are committed in the order they were decided.

While one commit runs the next batch is decided, and while that is decided the next
gathers: a busy door pays one fsync and a thread hop or two a batch, not a request. Each
thread ends after ``IDLE_SECONDS`` with nothing to do and starts again when needed, so an
app that is dropped leaves no thread behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from muster.access.enums import Direction
from muster.door.controller import Ask, DoorController, Ruled

IDLE_SECONDS = 5.0
T = TypeVar("T")


@dataclass(frozen=True)
class _Waiting:
    ask: Ask
    loop: asyncio.AbstractEventLoop
    answer: asyncio.Future[dict[str, Any]]


class _Stage(Generic[T]):
    """A thread that takes everything queued at once and hands it to ``handle``; it ends
    after ``IDLE_SECONDS`` with nothing queued and starts again when something is."""

    def __init__(self, name: str, handle: Callable[[list[T]], None]) -> None:
        self.name = name
        self.handle = handle
        self._ready = threading.Condition()
        self._queue: list[T] = []
        self._running = False

    def put(self, items: list[T]) -> None:
        """Queue ``items`` for the thread."""
        with self._ready:
            self._queue.extend(items)
            if not self._running:
                self._start()
            else:
                self._ready.notify()

    def waiting(self) -> int:
        """How many items are queued (not taken yet)."""
        with self._ready:
            return len(self._queue)

    def _start(self) -> None:
        """Start the thread (called holding ``_ready``). Marked running only once it has
        started: a thread that could not start ("can't start new thread") leaves the queue
        to the next ``put``, which tries again, instead of a stage that never runs."""
        threading.Thread(target=self._run, name=self.name, daemon=True).start()
        self._running = True

    def _run(self) -> None:
        try:
            while True:
                with self._ready:
                    if not self._queue:
                        self._ready.wait(IDLE_SECONDS)
                    if not self._queue:
                        return
                    batch, self._queue = self._queue, []
                self.handle(batch)
        finally:
            with self._ready:
                self._running = False
                if self._queue:  # queued while this thread was ending: another takes them
                    self._start()


class Decider:
    """The decision thread and the journal thread of ``door`` (started on demand)."""

    def __init__(self, door: DoorController) -> None:
        self.door = door
        self._deciding: _Stage[_Waiting] = _Stage("door-decider", self._decide)
        self._committing: _Stage[tuple[_Waiting, Ruled | Exception]] = _Stage(
            "door-journal", self._commit
        )

    async def decide(
        self, *, portal_id: str, person_refs: list[str], direction: Direction
    ) -> dict[str, Any]:
        """The answer to one request, once its journal entry is committed; raises what
        ``DoorController.decide`` raises for it (404, 422)."""
        loop = asyncio.get_running_loop()
        ask = Ask(portal_id, person_refs, direction, contextvars.copy_context())
        waiting = _Waiting(ask, loop, loop.create_future())
        self._deciding.put([waiting])
        return await waiting.answer

    def waiting_commit(self) -> int:
        """How many decided requests wait for the journal thread's next commit."""
        return self._committing.waiting()

    def _decide(self, batch: list[_Waiting]) -> None:
        try:
            ruled = self.door.rule_many([w.ask for w in batch])
        except Exception as exc:  # not decided: answered with the error, never a permit
            _answer(batch, [exc] * len(batch))
            return
        self._committing.put(list(zip(batch, ruled, strict=True)))

    def _commit(self, items: list[tuple[_Waiting, Ruled | Exception]]) -> None:
        batch = [w for w, _ in items]
        try:
            results: list[Any] = self.door.journal_ruled([r for _, r in items])
        except Exception as exc:  # the journal could not commit: no one is answered yes
            results = [exc] * len(items)
        _answer(batch, results)


def _answer(batch: list[_Waiting], results: list[Any]) -> None:
    """Settle each waiting request on its own event loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_Waiting, Any]]] = {}
    for waiting, result in zip(batch, results, strict=True):
        by_loop.setdefault(waiting.loop, []).append((waiting, result))
    for loop, settled in by_loop.items():
        with contextlib.suppress(RuntimeError):  # a closed loop: no one waits there
            loop.call_soon_threadsafe(_settle, settled)


def _settle(settled: list[tuple[_Waiting, Any]]) -> None:
    for waiting, result in settled:
        if waiting.answer.done():  # the reader went away (its request was cancelled)
            continue
        if isinstance(result, BaseException):
            waiting.answer.set_exception(result)
        else:
            waiting.answer.set_result(result)
