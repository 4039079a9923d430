"""The freshness contract: a door decides an exit only while its replica is current.

The server's stream names the heads at least every 250 ms: the log's (``seq``) and the
row versions' (``n``; every row change committed before it was read is at or below it).
The door is fresh while it has heard a head within the last second and has applied every
row version up to it, and has applied every event it was told of that may change what a
decision reads. Anything else (the link lost, the server gone, the replica behind, the
record failing verification) is stale, with the reason the reader and the post are given.

Decisions and alerts are events too, and busy doors make many (a door's uploaded backlog
after an outage is one ``access.decided`` per decision and one ``access.alert`` per exit it
failed secure): an event of those kinds does not make a door wait. Neither changes a row a
door replicates; a transaction that also changed a row moves the rows head, which the next
heartbeat names within 250 ms, and the door waits for that. Waiting for an event is only an
earlier warning than the heartbeat: the contract itself is the heads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

FRESH_FOR = 1.0  # seconds since the last head heard
# How long a decision waits for a replica that is only behind (heads recent, the link up)
# to apply what it was told of, before it fails secure: one heartbeat.
CATCH_UP_SECONDS = 0.25
# Kinds of events that change no row a decision reads, when alone in their transaction.
QUIET_KINDS = frozenset({"access.decided", "access.alert"})


class Freshness:
    """What the door knows of the server's heads and how far its replica has applied.

    Thread-safe; ``wait_for`` lets a caller (a test, the health page) await a state
    instead of sleeping. ``monotonic`` is the clock, replaceable in tests.
    """

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._now = monotonic
        self._changed = threading.Condition()
        self.head_seq = 0
        self.head_rows = 0
        self.heard_at: float | None = None
        self.applied_seq = 0
        self.applied_rows = 0
        self.waiting_seq = 0  # the newest event told of that may change a decision's facts
        self.link_up = False
        self.problem = ""

    def heard_head(self, seq: int, rows: int = 0, at: float | None = None) -> None:
        """The server said its heads are ``seq`` and ``rows`` (at ``at``, by this clock)."""
        with self._changed:
            self.head_seq = max(self.head_seq, seq)
            self.head_rows = max(self.head_rows, rows)
            self.heard_at = self._now() if at is None else at
            self._changed.notify_all()

    def heard_event(self, seq: int, kind: str = "") -> None:
        """Event ``seq`` of ``kind`` exists (not a statement of the heads)."""
        with self._changed:
            self.head_seq = max(self.head_seq, seq)
            if kind not in QUIET_KINDS:
                self.waiting_seq = max(self.waiting_seq, seq)
            self._changed.notify_all()

    def applied(self, seq: int, rows: int = 0) -> None:
        """The replica holds every row of the events up to ``seq`` and every row version
        up to ``rows``."""
        with self._changed:
            self.applied_seq = max(self.applied_seq, seq)
            self.applied_rows = max(self.applied_rows, rows)
            self._changed.notify_all()

    def set_link(self, up: bool) -> None:
        """Whether the stream from the server is connected now."""
        with self._changed:
            self.link_up = up
            self._changed.notify_all()

    def fail(self, problem: str) -> None:
        """The central record failed verification here: stale until a person clears it."""
        with self._changed:
            self.problem = problem
            self._changed.notify_all()

    def now(self) -> float:
        """This door's clock."""
        return self._now()

    def stale_reason(self) -> str:
        """Why an exit may not be decided here now, or "" while the door is fresh."""
        with self._changed:
            if self.problem:
                return f"the central record failed verification at this door: {self.problem}"
            if self.heard_at is None:
                return "this door has not heard the server's head yet"
            quiet = self._now() - self.heard_at
            if quiet > FRESH_FOR:
                return (
                    f"this door has heard nothing from the server for {quiet:.1f} s "
                    "(link lost or server down)"
                )
            if self.applied_rows < self.head_rows:
                behind = self.head_rows - self.applied_rows
                return f"this door's replica is {behind} row changes behind the server"
            if self.applied_seq < self.waiting_seq:
                behind = self.waiting_seq - self.applied_seq
                return f"this door's replica is {behind} events behind the server"
            return ""

    def only_behind(self) -> bool:
        """True when the one thing wrong is a replica still applying what it was told of
        (no verification problem, a head heard within ``FRESH_FOR``): it catches up on its
        own, and a decision may wait for it (``catch_up``)."""
        with self._changed:
            if self.problem or self.heard_at is None or self._now() - self.heard_at > FRESH_FOR:
                return False
            return self.applied_rows < self.head_rows or self.applied_seq < self.waiting_seq

    def catch_up(self, timeout: float = CATCH_UP_SECONDS) -> bool:
        """Wait up to ``timeout`` seconds for a replica that is only behind to apply what it
        was told of; True once nothing is left to apply."""
        return self.wait_for(
            lambda f: f.applied_rows >= f.head_rows and f.applied_seq >= f.waiting_seq, timeout
        )

    def lag(self) -> dict[str, float | int | bool | None]:
        """Replica lag in events, row changes and seconds since the last head."""
        with self._changed:
            quiet = None if self.heard_at is None else round(self._now() - self.heard_at, 3)
            return {
                "head_seq": self.head_seq,
                "applied_seq": self.applied_seq,
                "lag_events": max(0, self.head_seq - self.applied_seq),
                "lag_rows": max(0, self.head_rows - self.applied_rows),
                "since_head_seconds": quiet,
                "link_up": self.link_up,
            }

    def wait_for(self, condition: Callable[[Freshness], bool], timeout: float) -> bool:
        """Block until ``condition(self)`` holds after a change, or ``timeout`` seconds pass."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
            return True
