"""Vessel watch: false alarms and detection delay by orbit regime and burn; prints JSON.

Each run puts a vessel under watch on a fresh SQLite database and feeds it through
``record_observation``, as a sensor would: the baseline (the published element set, or a
first state vector), then state vectors every ``--interval`` seconds, each the truth plus
Gaussian noise of the vessel's stated accuracy (50 m and 0.2 m/s per coordinate by
default). The truth is SGP4's own motion from the element set; a burn adds its first-order
effect from the burn's moment on (``muster.vessels.sensor``).

- ``false_alarms``: ``--hours`` of observations with no burn, over ``--seeds`` noise
  seeds per regime: observations flagged, and the rate per observation.
- ``detection``: a prograde or radial burn of each ``--burns`` size at a random phase
  (within one period after the first two hours), one run per seed; the delay from the
  burn to the first flagged observation, in minutes and in periods; ``within_one_orbit``
  counts the runs caught before one period had passed.
- ``state_baseline``: the false-alarm runs again, with a state vector
  (not the element set) as the baseline, as the exercise sensor feeds it; ``refused``
  counts the runs whose state baseline the watch refused (a high orbit within 0.1 deg of
  the equator, ``muster.vessels.watch.refuse_unfit_baseline``), which record nothing.
  ``geo-0.5deg`` is the geostationary set inclined 0.5 deg, just past that bound.

``--parts`` runs only some of the three (all by default).

Usage:
    uv run python bench/vessels.py [--hours 48] [--interval 600] [--seeds 10]
        [--burns 1 3] [--detection-seeds 10]
        [--parts false_alarms detection state_baseline]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

import muster.models  # noqa: F401  (every table on the metadata)
from muster.db import Base, Database
from muster.errors import Invalid
from muster.policy.actor import Actor
from muster.vessels import orbits, service
from muster.vessels.detection import Accuracy
from muster.vessels.enums import ObservationKind
from muster.vessels.schemas import ObservationCreate, VesselCreate
from muster.vessels.sensor import (
    Burn,
    ElementSetOrbit,
    observe,
    read_element_sets,
    with_inclination,
)

DATA = Path(__file__).resolve().parent.parent / "tests" / "vessels" / "data" / "regimes.tle"
ACTOR = Actor.system("bench")
PARTS = ("false_alarms", "detection", "state_baseline")


def _state(r: orbits.Vector, v: orbits.Vector, at: Any) -> ObservationCreate:
    return ObservationCreate(
        kind=ObservationKind.STATE,
        observed_at=at,
        position_km=(float(r[0]), float(r[1]), float(r[2])),
        velocity_km_s=(float(v[0]), float(v[1]), float(v[2])),
        source="bench sensor",
    )


def watch_run(
    db: Database,
    lines: tuple[str, str],
    *,
    hours: float,
    interval: float,
    seed: int,
    burn: Burn | None = None,
    state_baseline: bool = False,
    stop_at_alarm: bool = False,
) -> list[tuple[float, bool]]:
    """Feed one vessel; (seconds since the baseline, flagged) per observation after it."""
    sat = orbits.parse_tle(*lines)
    epoch = orbits.tle_epoch(sat)
    truth = ElementSetOrbit(sat, burn)
    rng = np.random.default_rng(seed)
    out: list[tuple[float, bool]] = []
    with db.session_scope() as session:
        vessel = service.register_vessel(
            session, data=VesselCreate(name=f"v{seed}-{time.perf_counter_ns()}"), actor=ACTOR
        )
        accuracy = Accuracy(vessel.position_accuracy_km, vessel.velocity_accuracy_km_s)
        if state_baseline:
            first = _state(*observe(truth, epoch, accuracy, rng), epoch)
        else:
            first = ObservationCreate(
                kind=ObservationKind.TLE, tle_line1=lines[0], tle_line2=lines[1]
            )
        service.record_observation(session, vessel_id=vessel.id, data=first, actor=ACTOR)
        steps = int(hours * 3600 / interval)
        for k in range(1, steps + 1):
            at = epoch + timedelta(seconds=k * interval)
            data = _state(*observe(truth, at, accuracy, rng), at)
            row = service.record_observation(session, vessel_id=vessel.id, data=data, actor=ACTOR)
            out.append((k * interval, row.manoeuvre))
            if stop_at_alarm and row.manoeuvre:
                break
    return out


def period_s(lines: tuple[str, str]) -> float:
    """The element set's period from its mean motion."""
    return 2 * math.pi / orbits.parse_tle(*lines).no_kozai * 60.0


def bench_false_alarms(
    db: Database, sets: dict[str, tuple[str, str]], args: argparse.Namespace, state: bool
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, lines in sets.items():
        flagged = total = runs_with_alarm = refused = 0
        first_alarm_h: list[float] = []
        for seed in range(args.seeds):
            try:
                rows = watch_run(
                    db,
                    lines,
                    hours=args.hours,
                    interval=args.interval,
                    seed=seed,
                    state_baseline=state,
                )
            except Invalid:
                refused += 1
                continue
            hits = [t for t, f in rows if f]
            flagged += len(hits)
            total += len(rows)
            runs_with_alarm += bool(hits)
            if hits:
                first_alarm_h.append(round(hits[0] / 3600, 2))
        out[name] = {
            "runs": args.seeds,
            "observations": total,
            "flagged": flagged,
            "rate_per_observation": flagged / total if total else None,
            "refused": refused,
            "runs_with_an_alarm": runs_with_alarm,
            "first_alarm_hours": first_alarm_h,
        }
    return out


def bench_detection(
    db: Database, sets: dict[str, tuple[str, str]], args: argparse.Namespace
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, lines in sets.items():
        period = period_s(lines)
        epoch = orbits.tle_epoch(orbits.parse_tle(*lines))
        for axis in ("prograde", "radial"):
            for size in args.burns:
                delays: list[float] = []
                missed = 0
                rng = np.random.default_rng(1000)
                for seed in range(args.detection_seeds):
                    offset = 7200.0 + float(rng.uniform(0.0, period))
                    burn = Burn(epoch + timedelta(seconds=offset), **{axis: size / 1000.0})
                    hours = (offset + 1.5 * period) / 3600
                    rows = watch_run(
                        db,
                        lines,
                        hours=hours,
                        interval=args.interval,
                        seed=seed,
                        burn=burn,
                        stop_at_alarm=True,
                    )
                    early = [t for t, f in rows if f and t < offset]
                    caught = [t for t, f in rows if f and t >= offset]
                    if early or not caught:
                        missed += 1
                        continue
                    delays.append(caught[0] - offset)
                key = f"{name}/{axis}/{size:g}m_s"
                out[key] = {
                    "runs": args.detection_seeds,
                    "period_min": round(period / 60, 1),
                    "missed_or_early": missed,
                    "within_one_orbit": sum(d <= period for d in delays),
                    "delay_min_median": round(statistics.median(delays) / 60, 1)
                    if delays
                    else None,
                    "delay_min_max": round(max(delays) / 60, 1) if delays else None,
                    "delay_periods_max": round(max(delays) / period, 3) if delays else None,
                }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=48.0)
    parser.add_argument("--interval", type=float, default=600.0)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--detection-seeds", type=int, default=10)
    parser.add_argument("--burns", type=float, nargs="+", default=[1.0, 3.0])
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS))
    args = parser.parse_args()
    sets = read_element_sets(DATA.read_text())
    inclined = sets | {"geo-0.5deg": with_inclination(sets["geo"], 0.5)}
    parts = {
        "false_alarms": lambda: bench_false_alarms(db, sets, args, state=False),
        "detection": lambda: bench_detection(db, sets, args),
        "state_baseline": lambda: bench_false_alarms(db, inclined, args, state=True),
    }
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/bench.db")
        Base.metadata.create_all(db.engine)
        started = time.perf_counter()
        result = {
            "settings": {
                "hours": args.hours,
                "interval_s": args.interval,
                "accuracy": {"position_km": 0.05, "velocity_km_s": 0.0002},
                "false_alarm_probability": 1e-6,
                "test_window": 3,
            },
        }
        for name in args.parts:
            result[name] = parts[name]()
        result["seconds"] = round(time.perf_counter() - started, 1)
        db.dispose()
    json.dump(result, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
