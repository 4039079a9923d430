"""The one source of "now": real UTC time, or an exercise's simulated time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_fixed: ContextVar[datetime | None] = ContextVar("muster_clock_fixed", default=None)


def now() -> datetime:
    """Current time, timezone-aware UTC."""
    fixed = _fixed.get()
    return fixed if fixed is not None else datetime.now(UTC)


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    """Run a block as if the time were ``moment`` (the exercise runner's injects)."""
    if moment.tzinfo is None:
        raise ValueError("frozen_at needs a timezone-aware time")
    token = _fixed.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _fixed.reset(token)
