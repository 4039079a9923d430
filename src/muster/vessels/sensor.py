"""A simulated tracking sensor for exercises and tests: a true orbit, observed with noise.

Around Earth the truth is SGP4's own motion from an element set (a published one, or a
circular orbit at a given altitude); around another body it is point-mass gravity. A burn
changes the true velocity at a moment; after it, the truth is the unburned motion plus the
difference the burn makes to a point-mass orbit (its first-order effect). Each observation
is the true state plus Gaussian errors of the sensor's stated accuracy (one standard
deviation per coordinate), so the watch is exercised on exactly the noise it must tolerate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import numpy as np
from sgp4.api import Satrec

from muster.vessels import orbits
from muster.vessels.bodies import body_named
from muster.vessels.detection import Accuracy
from muster.vessels.fitting import WGS72_MU, WGS72_RADIUS_KM, Drag, element_set, equinoctial


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
class ElementSetOrbit:
    """True motion by SGP4 from an element set, with at most one burn."""

    sat: Satrec
    burn: Burn | None = None

    def state_at(self, at: datetime) -> tuple[orbits.Vector, orbits.Vector]:
        """True position and velocity at ``at``."""
        r, v = orbits.propagate_tle(self.sat, at)
        if self.burn is None or at < self.burn.at:
            return r, v
        rb, vb = orbits.propagate_tle(self.sat, self.burn.at)
        mu = body_named("earth").mu
        dt = (at - self.burn.at).total_seconds()
        moved = orbits.propagate_two_body(rb, self.burn.applied_to(rb, vb), dt, mu)
        plain = orbits.propagate_two_body(rb, vb, dt, mu)
        return r + moved[0] - plain[0], v + moved[1] - plain[1]


def circular_element_set(altitude_km: float, inclination_deg: float, epoch: datetime) -> Satrec:
    """An element set of a circular orbit at ``altitude_km``, starting on its ascending node."""
    a = WGS72_RADIUS_KM + altitude_km
    n = math.sqrt(WGS72_MU / a**3) * 60.0  # rad/min
    q = equinoctial(n, 0.0, math.radians(inclination_deg), 0.0, 0.0, 0.0)
    sat = element_set(q, epoch, Drag())
    if sat is None:
        raise ValueError(f"no usable element set at {altitude_km} km")
    return sat


@dataclass(frozen=True)
class TrueOrbit:
    """A circular parking orbit from ``epoch``, maybe one burn (SGP4 around Earth)."""

    body: str
    altitude_km: float
    inclination_deg: float
    epoch: datetime
    burn: Burn | None = None

    def state_at(self, at: datetime) -> tuple[orbits.Vector, orbits.Vector]:
        """True position and velocity at ``at``."""
        if self.body == "earth":
            sat = circular_element_set(self.altitude_km, self.inclination_deg, self.epoch)
            return ElementSetOrbit(sat, self.burn).state_at(at)
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


class Truth(Protocol):
    """Anything that knows the true state at a moment."""

    def state_at(self, at: datetime) -> tuple[orbits.Vector, orbits.Vector]: ...


def observe(
    truth: Truth, at: datetime, accuracy: Accuracy, rng: np.random.Generator
) -> tuple[orbits.Vector, orbits.Vector]:
    """One observation: the true state with Gaussian errors of the stated accuracy."""
    r, v = truth.state_at(at)
    return (
        r + rng.normal(scale=accuracy.position_km, size=3),
        v + rng.normal(scale=accuracy.velocity_km_s, size=3),
    )


def schedule(end: datetime, count: int, interval_seconds: float) -> list[datetime]:
    """``count`` observation times ``interval_seconds`` apart, the last at ``end``."""
    return [end - timedelta(seconds=interval_seconds * (count - 1 - k)) for k in range(count)]


def read_element_sets(text: str) -> dict[str, tuple[str, str]]:
    """Named element sets from text: a ``# name: NAME ...`` comment, then the two lines."""
    found: dict[str, tuple[str, str]] = {}
    name, first = "", ""
    for line in text.splitlines():
        if line.startswith("# name:"):
            name = line.removeprefix("# name:").split()[0]
        elif line.startswith("1 "):
            first = line.rstrip()
        elif line.startswith("2 ") and name and first:
            found[name] = (first, line.rstrip())
            name, first = "", ""
    return found


def with_inclination(lines: tuple[str, str], inclination_deg: float) -> tuple[str, str]:
    """Element set ``lines`` with its inclination replaced (line 2's checksum recomputed)."""
    line1, line2 = lines
    body = line2[:8] + f"{inclination_deg:8.4f}" + line2[16:68]
    return line1, body + str(orbits.tle_checksum(body))
