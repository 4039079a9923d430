"""Counts over time replayed from the record: the events of a few kinds, in order, and a
series of the counts after each, thinned to a number of points a chart can draw.

The domains say what each event changes (``access.presence_history``,
``medical.casualty_history``); this module only reads the log and keeps the series short.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.events.models import Event

POINTS = 120


@dataclass(frozen=True)
class Logged:
    """What a replay reads of one event."""

    at: datetime
    kind: str
    subjects: list[str]
    payload: dict[str, Any]


@dataclass(frozen=True)
class Series:
    """Counts by name at moments in time, oldest first; every name has a value at every
    moment."""

    names: list[str]
    at: list[datetime]
    values: dict[str, list[int]]

    def as_json(self) -> dict[str, Any]:
        """For a chart: the moments as Unix seconds, one list of values a name."""
        return {
            "x": [round(t.timestamp()) for t in self.at],
            "series": [{"label": n, "values": self.values[n]} for n in self.names],
        }

    def rows(self) -> list[tuple[datetime, list[int]]]:
        """For a table: each moment with the value of every name."""
        return [(t, [self.values[n][i] for n in self.names]) for i, t in enumerate(self.at)]


def logged(session: Session, kinds: Iterable[str]) -> Iterator[Logged]:
    """Every event of these kinds, in the order of the log."""
    query = (
        select(Event.at, Event.kind, Event.subjects, Event.payload)
        .where(Event.kind.in_(list(kinds)))
        .order_by(Event.seq)
    )
    for at, kind, subjects, payload in session.execute(query).yield_per(1000):
        yield Logged(at, kind, list(subjects or []), dict(payload or {}))


def series_of(
    names: Sequence[str],
    points: Iterable[tuple[datetime, dict[str, int]]],
    now: datetime,
    limit: int = POINTS,
) -> Series:
    """The counts after each change, at most ``limit`` moments (evenly thinned, the first
    and the last kept), ending with the counts as they stand ``now``."""
    kept: list[tuple[datetime, dict[str, int]]] = []
    last: dict[str, int] | None = None
    for at, counts in points:
        if counts != last:  # only a change is a point
            kept.append((at, dict(counts)))
            last = counts
    if last is not None:
        kept.append((max(now, kept[-1][0]), dict(last)))
    if len(kept) > limit:
        step = (len(kept) - 1) / (limit - 1)
        kept = [kept[round(i * step)] for i in range(limit)]
    return Series(
        list(names),
        [at for at, _counts in kept],
        {n: [counts.get(n, 0) for _at, counts in kept] for n in names},
    )
