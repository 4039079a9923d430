"""The freshness contract: a door decides an exit only while its replica is current.

The server's stream names the log's head at least every 250 ms. The door is fresh while it
has applied everything up to the newest head it knows of, and has heard a head within the
last second. Anything else (the link lost, the server gone, the replica behind, the record
failing verification) is stale, with the reason the reader and the post are given.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

FRESH_FOR = 1.0  # seconds since the last head heard
# Past this many unapplied events the door does not look for its own among them.
OWN_GAP = 1000


class Freshness:
    """What the door knows of the server's head and how far its replica has applied.

    Thread-safe; ``wait_for`` lets a caller (a test, the health page) await a state
    instead of sleeping. ``monotonic`` is the clock, replaceable in tests.
    """

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._now = monotonic
        self._changed = threading.Condition()
        self.head_seq = 0
        self.heard_at: float | None = None
        self.applied_seq = 0
        self.link_up = False
        self.problem = ""
        self._own: set[int] = set()

    def heard_head(self, seq: int, at: float | None = None) -> None:
        """The server said its head is ``seq`` (at ``at``, by this clock; now if None)."""
        with self._changed:
            self.head_seq = max(self.head_seq, seq)
            self.heard_at = self._now() if at is None else at
            self._changed.notify_all()

    def heard_event(self, seq: int) -> None:
        """An event ``seq`` exists: the head is at least there (not a statement of the head)."""
        with self._changed:
            self.head_seq = max(self.head_seq, seq)
            self._changed.notify_all()

    def applied(self, seq: int) -> None:
        """The replica holds every row of the events up to ``seq``."""
        with self._changed:
            self.applied_seq = max(self.applied_seq, seq)
            self._own = {s for s in self._own if s > self.applied_seq}
            self._changed.notify_all()

    def own(self, seqs: list[int]) -> None:
        """Events the door's own uploads appended: they change no replicated row, so the
        door is not behind for want of them (else every upload would stop exits briefly)."""
        with self._changed:
            self._own.update(s for s in seqs if s > self.applied_seq)
            self._changed.notify_all()

    def _behind(self) -> int:
        gap = self.head_seq - self.applied_seq
        if gap <= 0 or gap > OWN_GAP:
            return max(0, gap)
        return sum(1 for s in range(self.applied_seq + 1, self.head_seq + 1) if s not in self._own)

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
            behind = self._behind()
            if behind:
                return f"this door's replica is {behind} events behind the server"
            return ""

    def lag(self) -> dict[str, float | int | bool | None]:
        """Replica lag in events and seconds since the last head, for health and metrics."""
        with self._changed:
            quiet = None if self.heard_at is None else round(self._now() - self.heard_at, 3)
            return {
                "head_seq": self.head_seq,
                "applied_seq": self.applied_seq,
                "lag_events": self._behind(),
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
