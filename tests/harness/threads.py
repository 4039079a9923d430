"""Running the same work in several threads started together, collecting what they raised."""

from __future__ import annotations

import threading
from collections.abc import Callable


def run_together(count: int, work: Callable[[int], None]) -> list[BaseException]:
    """Run ``work(n)`` for n in 0..count-1, each in its own thread released at once."""
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def run(n: int) -> None:
        try:
            start.wait()
            work(n)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors
