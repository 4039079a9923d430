"""A console as a test or a benchmark sees it: a Server-Sent Events reader that fails over.

``StreamReader`` follows ``/api/v1/events/stream`` on one node in a background thread; when
the connection drops it reconnects to the next node in its list with ``Last-Event-ID`` set
to the last id it received, exactly as a browser's ``EventSource`` does behind a proxy.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Received:
    """One event as the reader got it, with the time it arrived (``time.monotonic``)."""

    seq: int
    kind: str
    data: dict[str, Any]
    at: float


@dataclass
class StreamReader:
    """Follows the live stream on ``urls[0]``, failing over along ``urls``."""

    urls: list[str]
    token: str
    after: int = 0
    on_event: Callable[[Received], None] | None = None
    received: list[Received] = field(default_factory=list)
    connects: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _connected: threading.Event = field(default_factory=threading.Event)

    @property
    def last_seq(self) -> int:
        """The id of the last event received (where a reconnect resumes)."""
        return self.received[-1].seq if self.received else self.after

    def start(self) -> StreamReader:
        """Start reading in the background; returns self once the first connection is up."""
        self._thread = threading.Thread(target=self._run, name="sse-reader", daemon=True)
        self._thread.start()
        self._connected.wait(30)
        return self

    def stop(self) -> None:
        """Stop reading."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def wait_for(self, seq: int, timeout: float) -> bool:
        """Wait until the event ``seq`` (or a later one) has arrived."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.last_seq >= seq:
                return True
            time.sleep(0.02)
        return self.last_seq >= seq

    def _run(self) -> None:
        index = 0
        while not self._stop.is_set():
            url = self.urls[index % len(self.urls)]
            with contextlib.suppress(httpx.HTTPError, OSError):
                self._follow(url)
            if not self._stop.is_set():
                index += 1  # this node failed us: the next one
                time.sleep(0.1)

    def _follow(self, url: str) -> None:
        headers = {"Authorization": f"Bearer {self.token}", "Last-Event-ID": str(self.last_seq)}
        timeout = httpx.Timeout(5.0, read=10.0)
        with httpx.stream(
            "GET", f"{url}/api/v1/events/stream", headers=headers, timeout=timeout
        ) as response:
            response.raise_for_status()
            self.connects.append(url)
            self._connected.set()
            seq, kind = 0, ""
            for line in response.iter_lines():
                if self._stop.is_set():
                    return
                if line.startswith("id: "):
                    seq = int(line[4:])
                elif line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: "):
                    item = Received(seq, kind, json.loads(line[6:]), time.monotonic())
                    self.received.append(item)
                    if self.on_event is not None:
                        self.on_event(item)
