"""What the overview's pictures cost; prints JSON.

Loads the reference crisis (``scenarios/crisis.yaml``) into a fresh SQLite database, then
times, ``--runs`` times each in one read session: the head counts of the current-presence
table (``head_counts``, the baseline the table beside the picture already pays), their
replay from the record (``head_count_history``), the casualty counts (``casualty_counts``)
and their replay (``casualty_history``). Reports medians in milliseconds, the replay's
ratio to its baseline measured in the same run, the number of events in the record and the
moments each series keeps. The load average is printed before and after: this machine is
shared.

Usage:
    uv run python bench/overview_series.py [--runs 20]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent


def _median_ms(action: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    import muster.models  # noqa: F401  (every table in the metadata)
    from muster.access.presence import head_counts
    from muster.access.presence_history import head_count_history
    from muster.db import Base, Database
    from muster.events.models import Event
    from muster.medical.casualties import casualty_counts
    from muster.medical.casualty_history import casualty_history
    from muster.scenario.loader import load_scenario
    from muster.scenario.runner import run_plan

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{folder}/bench.db")
        Base.metadata.create_all(db.engine)
        run_plan(db, load_scenario(ROOT / "scenarios" / "crisis.yaml"))
        with db.session_scope(write=False) as session:
            events = session.scalar(select(func.count()).select_from(Event)) or 0
            timed = {
                "head_counts": _median_ms(lambda: head_counts(session), args.runs),
                "head_count_history": _median_ms(lambda: head_count_history(session), args.runs),
                "casualty_counts": _median_ms(lambda: casualty_counts(session), args.runs),
                "casualty_history": _median_ms(lambda: casualty_history(session), args.runs),
            }
            moments = {
                "head_count_history": len(head_count_history(session).at),
                "casualty_history": len(casualty_history(session).at),
            }
        db.dispose()
    result = {
        "events_in_record": events,
        "runs": args.runs,
        "median_ms": timed,
        "ratio_to_baseline": {
            "head_count_history": round(timed["head_count_history"] / timed["head_counts"], 1),
            "casualty_history": round(timed["casualty_history"] / timed["casualty_counts"], 1),
        },
        "moments_kept": moments,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
