"""A simulated tracking sensor for exercises: a true orbit, observed with bounded error.

The true orbit is circular at a given altitude; a burn, when asked for, changes the true
velocity at a moment. Each observation is the true state plus an error no larger than the
sensor's stated accuracy (a random direction, a random size within the bound), so the
watch is exercised on exactly the noise it must tolerate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from muster.vessels import orbits
from muster.vessels.bodies import body_named
from muster.vessels.detection import Accuracy


@dataclass(frozen=True)
class Burn:
    """A change of velocity at a moment: ``dv_km_s`` along prograde, radial, normal axes."""

    at: datetime
    prograde: float = 0.0
    radial: float = 0.0
    normal: float = 0.0

    def applied_to(self, r: orbits.Vector, v: orbits.Vector) -> orbits.Vector:
        """The velocity after the burn."""
        t = v / np.linalg.norm(v)
        h = np.cross(r, v)
        n = h / np.linalg.norm(h)
        radial_axis = r / np.linalg.norm(r)
        return v + self.prograde * t + self.radial * radial_axis + self.normal * n


@dataclass(frozen=True)
class TrueOrbit:
    """The vessel's real motion: a circular parking orbit from ``epoch``, maybe one burn."""

    body: str
    altitude_km: float
    inclination_deg: float
    epoch: datetime
    burn: Burn | None = None

    def state_at(self, at: datetime) -> tuple[orbits.Vector, orbits.Vector]:
        """True position and velocity at ``at``."""
        body = body_named(self.body)
        start = orbits.circular_state(
            body.mu,
            body.radius + self.altitude_km,
            inclination_deg=self.inclination_deg,
            at=self.epoch,
        )
        r, v = start.r, start.v
        since = self.epoch
        if self.burn is not None and self.burn.at <= at:
            r, v = orbits.propagate_two_body(r, v, (self.burn.at - since).total_seconds(), body.mu)
            v = self.burn.applied_to(r, v)
            since = self.burn.at
        return orbits.propagate_two_body(r, v, (at - since).total_seconds(), body.mu)


def _bounded(rng: np.random.Generator, bound: float) -> orbits.Vector:
    direction = rng.normal(size=3)
    direction /= np.linalg.norm(direction)
    return np.asarray(direction * bound * rng.uniform(0.0, 1.0), dtype=np.float64)


def observe(
    truth: TrueOrbit, at: datetime, accuracy: Accuracy, rng: np.random.Generator
) -> tuple[orbits.Vector, orbits.Vector]:
    """One observation: the true state with errors within ``accuracy``."""
    r, v = truth.state_at(at)
    return r + _bounded(rng, accuracy.position_km), v + _bounded(rng, accuracy.velocity_km_s)


def schedule(end: datetime, count: int, interval_seconds: float) -> list[datetime]:
    """``count`` observation times ``interval_seconds`` apart, the last at ``end``."""
    return [end - timedelta(seconds=interval_seconds * (count - 1 - k)) for k in range(count)]
