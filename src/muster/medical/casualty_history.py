"""Casualties by triage category over time, replayed from the record.

A casualty's category changes only with an event: recorded, re-triaged, or merged into
another (the duplicate no longer counts; the one kept takes the category the merge gives
it). Replaying them in order gives the counts after each; the last point is the casualty
counts of the casualty table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy.orm import Session

from muster import clock
from muster.events.series import POINTS, Series, logged, series_of
from muster.medical.enums import Triage

CHANGES = ("medical.casualty.recorded", "medical.casualty.retriaged", "medical.casualty.merged")


def casualty_history(session: Session, *, points: int = POINTS) -> Series:
    """Casualties by current category after each change, oldest first (a merge counts once)."""

    def replay() -> Iterator[tuple[datetime, dict[str, int]]]:
        category: dict[int, str] = {}
        for event in logged(session, CHANGES):
            number, triage = event.payload.get("number"), event.payload.get("triage")
            if not isinstance(number, int) or not isinstance(triage, str):
                continue
            if event.kind == "medical.casualty.merged":
                category.pop(int(event.payload.get("merged", -1)), None)
            category[number] = triage
            yield event.at, dict(Counter(category.values()))

    return series_of([t.value for t in Triage], replay(), clock.now(), points)
