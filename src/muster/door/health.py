"""What the server knows of its door controllers: when each last read its feed, and its lag.

A door reads the feed from its replica's cursors at least once a second (``link.py``), so
each read says how far its replica had applied the record. Each node keeps, in memory, the
last read of every enrolled door (a token bound to portals) that it served, and from it:

- ``lag_events``: events the record held beyond the door's cursor when it read;
- ``lag_ms``: how old the oldest of those events was then (0 when it had them all);
- ``seconds_since_read``: since that read (a door that stops reading is not following).

They are shown on the console's airlocks page and in ``/metrics`` (``muster_door_*``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import select
from sqlalchemy.orm import Session

from muster import clock
from muster.events.models import Event
from muster.ops.metrics import REGISTRY
from muster.policy.actor import Actor

# A door that has not read its feed for this long is reported as not following.
SILENT_AFTER = 3.0
_monotonic = time.monotonic  # replaceable in tests


@dataclass(frozen=True)
class DoorSeen:
    """A door's last feed read, as the server saw it."""

    token_id: str
    name: str
    portal_ids: frozenset[str]
    cursor: int
    lag_events: int
    lag_ms: float
    read_at: float  # this module's monotonic clock at the read

    @property
    def seconds_since_read(self) -> float:
        """Seconds since the door last read its feed."""
        return max(0.0, _monotonic() - self.read_at)

    @property
    def following(self) -> bool:
        """True while the door reads its feed as often as it should."""
        return self.seconds_since_read <= SILENT_AFTER


_seen: dict[str, DoorSeen] = {}
_lock = threading.Lock()


def _oldest_missing_at(session: Session, cursor: int) -> datetime | None:
    return session.scalar(select(Event.at).where(Event.seq == cursor + 1))


def note_feed_read(session: Session, actor: Actor, *, cursor: int, head: int) -> None:
    """Remember that ``actor`` (a door's token) read its feed from ``cursor`` while the
    record's head was ``head``; other actors are not doors and are not remembered."""
    if actor.door_portal_ids is None:
        return
    lag_ms = 0.0
    if head > cursor:
        oldest = _oldest_missing_at(session, cursor)
        if oldest is not None:
            lag_ms = max(0.0, (clock.now() - oldest).total_seconds() * 1000)
    seen = DoorSeen(
        actor.id,
        actor.label,
        actor.door_portal_ids,
        cursor,
        max(0, head - cursor),
        round(lag_ms, 1),
        _monotonic(),
    )
    with _lock:
        _seen[actor.id] = seen


def doors_seen() -> list[DoorSeen]:
    """Every door this node has served, by name."""
    with _lock:
        return sorted(_seen.values(), key=lambda d: d.name)


def doors_at(portal_id: str) -> list[DoorSeen]:
    """The doors serving ``portal_id`` that this node has served."""
    return [d for d in doors_seen() if portal_id in d.portal_ids]


class _DoorCollector(Collector):
    """The ``muster_door_*`` gauges, read from the last feed reads at each scrape."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        events = GaugeMetricFamily(
            "muster_door_replica_lag_events",
            "Events the record held beyond a door's replica at its last feed read.",
            labels=["door", "token"],
        )
        millis = GaugeMetricFamily(
            "muster_door_replica_lag_ms",
            "Age in ms of the oldest event a door's replica lacked at its last feed read.",
            labels=["door", "token"],
        )
        since = GaugeMetricFamily(
            "muster_door_seconds_since_read",
            "Seconds since a door last read its feed from this node.",
            labels=["door", "token"],
        )
        for door in doors_seen():
            labels = [door.name, door.token_id]
            events.add_metric(labels, door.lag_events)
            millis.add_metric(labels, door.lag_ms)
            since.add_metric(labels, round(door.seconds_since_read, 3))
        yield events
        yield millis
        yield since


REGISTRY.register(_DoorCollector())
