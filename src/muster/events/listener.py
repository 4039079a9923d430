"""Wake-ups from other app nodes: PostgreSQL LISTEN/NOTIFY feeding this node's bus.

Every transaction that appends events sends ``NOTIFY muster_events, '<last seq>'``, which
PostgreSQL delivers at commit to every listening connection. This listener keeps one such
connection per node and wakes the node's live streams, which then read the log. The log
stays the truth: a missed notification only delays a stream until its next heartbeat read.
"""

from __future__ import annotations

import logging
import threading

import psycopg
from sqlalchemy.engine import URL

from muster.events.bus import Bus
from muster.events.service import NOTIFY_CHANNEL

log = logging.getLogger(__name__)


def libpq_url(url: URL) -> str:
    """The libpq form of a SQLAlchemy PostgreSQL URL."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class NotifyListener:
    """A background thread that LISTENs and wakes ``bus``; reconnects after failures."""

    def __init__(self, url: URL, bus: Bus, *, poll_seconds: float = 1.0) -> None:
        self._dsn = libpq_url(url)
        self._bus = bus
        self._poll = poll_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="muster-listen", daemon=True)
        self.connected = threading.Event()

    def start(self) -> None:
        """Start listening in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Stop listening and wait for the thread to end."""
        self._stop.set()
        self._thread.join(timeout=self._poll * 3)

    def _run(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._dsn, autocommit=True) as conn:
                    conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    self.connected.set()
                    backoff = 0.5
                    self._bus.wake()  # anything committed while we were away
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=self._poll, stop_after=100):
                            self._bus.wake(int(note.payload) if note.payload.isdigit() else None)
            except psycopg.Error as exc:
                self.connected.clear()
                log.warning("event listener lost PostgreSQL (%s); retrying", exc)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)
        self.connected.clear()
