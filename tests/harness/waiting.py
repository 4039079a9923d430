"""Waiting for something to happen, not for time to pass.

``until`` returns as soon as its condition holds; its bound only keeps a broken component
from hanging the run (pytest-timeout is the last guard), so it is generous on purpose and
no test's outcome depends on how fast a loaded machine is.
"""

from __future__ import annotations

import time
from collections.abc import Callable

BOUND = 120.0  # seconds: a failsafe, never a measure


def until(condition: Callable[[], bool], *, bound: float = BOUND, every: float = 0.02) -> bool:
    """True as soon as ``condition()`` is; False only if it never was within ``bound``."""
    end = time.monotonic() + bound
    while not condition():
        if time.monotonic() > end:
            return False
        time.sleep(every)
    return True
