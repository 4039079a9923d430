"""Element sets from states: the SGP4 mean elements whose prediction passes through a state.

SGP4 maps mean elements to an osculating state (its short-period terms: for a low orbit,
the osculating semi-major axis swings by about 10 km within a revolution). To predict a
state vector the way an element set would be predicted, the watch inverts that map: it
finds the element set whose SGP4 state at the state's own time *is* that state, by
Newton's method on equinoctial elements (well defined for circular and equatorial orbits,
where the classical argument of perigee and node are not). Drag terms (B*, mean motion
derivatives) are taken from a template element set when one is known, else zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from sgp4.api import WGS72, Satrec, jday

from muster.errors import Invalid
from muster.vessels.orbits import Vector, elements_vector

WGS72_MU = 398600.8  # km^3/s^2: SGP4's own constant, not WGS-84's
WGS72_RADIUS_KM = 6378.135
_EPOCH_1949 = 2433281.5  # sgp4init counts epoch days from 1949 December 31 00:00 UT
_MAX_ITERATIONS = 30
_POSITION_TOLERANCE_KM = 1e-7
_VELOCITY_SCALE_S = 1000.0  # weighs km/s against km in the Newton residual
_STEPS = (1e-9, 1e-7, 1e-7, 1e-7, 1e-7, 1e-7)  # n (rad/min), f, g, h, k, L


@dataclass(frozen=True)
class Drag:
    """The drag terms of an element set: B* (1/earth radii) and mean-motion derivatives."""

    bstar: float = 0.0
    ndot: float = 0.0
    nddot: float = 0.0

    @classmethod
    def of(cls, sat: Satrec) -> Drag:
        """The drag terms of ``sat``."""
        return cls(float(sat.bstar), float(sat.ndot), float(sat.nddot))


def _julian(at: datetime) -> tuple[float, float]:
    at = at.astimezone(UTC)
    seconds = at.second + at.microsecond / 1e6
    jd, fr = jday(at.year, at.month, at.day, at.hour, at.minute, seconds)
    return jd, fr


def _classical(q: Vector) -> tuple[float, float, float, float, float, float]:
    """(n, e, i, node, argp, M) from equinoctial (n, f, g, h, k, L)."""
    n, f, g, h, k, lon = (float(x) for x in q)
    e = math.hypot(f, g)
    perigee_lon = math.atan2(g, f)
    node = math.atan2(k, h)
    inclination = 2.0 * math.atan(math.hypot(h, k))
    return (
        n,
        e,
        inclination,
        node % (2 * math.pi),
        (perigee_lon - node) % (2 * math.pi),
        (lon - perigee_lon) % (2 * math.pi),
    )


def equinoctial(n: float, e: float, i: float, node: float, argp: float, m: float) -> Vector:
    """Equinoctial (n, f, g, h, k, L) of classical elements, angles in radians."""
    t = math.tan(i / 2.0)
    return np.array(
        [
            n,
            e * math.cos(argp + node),
            e * math.sin(argp + node),
            t * math.cos(node),
            t * math.sin(node),
            m + argp + node,
        ]
    )


def element_set(q: Vector, at: datetime, drag: Drag) -> Satrec | None:
    """An SGP4 record of equinoctial mean elements ``q`` at epoch ``at``, None if unusable."""
    n, e, inclination, node, argp, m = _classical(q)
    if not (n > 0 and 0.0 <= e < 0.999):
        return None
    jd, fr = _julian(at)
    sat = Satrec()
    sat.sgp4init(
        WGS72,
        "i",
        0,
        jd + fr - _EPOCH_1949,
        drag.bstar,
        drag.ndot,
        drag.nddot,
        e,
        argp,
        inclination,
        m,
        n,
        node,
    )
    # sgp4init keeps the epoch as one float; keep the exact split for propagation.
    sat.jdsatepoch, sat.jdsatepochF = jd, fr
    return None if sat.error else sat


def mean_elements(sat: Satrec) -> Vector:
    """The equinoctial mean elements of an element set (n in rad/min)."""
    return equinoctial(
        float(sat.no_kozai),
        float(sat.ecco),
        float(sat.inclo),
        float(sat.nodeo),
        float(sat.argpo),
        float(sat.mo),
    )


def state_at(sat: Satrec, at: datetime) -> Vector | None:
    """SGP4's TEME state (km, km/s) at ``at`` as six numbers, None where it fails."""
    jd, fr = _julian(at)
    error, r, v = sat.sgp4(jd, fr)
    if error:
        return None
    return np.array([*r, *v])


def sensitivities(
    q: Vector, epoch: datetime, drag: Drag, times: list[datetime]
) -> list[Vector] | None:
    """How SGP4's state at each of ``times`` moves with each mean element (6 x 6 each).

    Forward differences; the element set's epoch is ``epoch``. None where SGP4 fails.
    """
    base_sat = element_set(q, epoch, drag)
    if base_sat is None:
        return None
    bases = [state_at(base_sat, t) for t in times]
    out = [np.empty((6, 6)) for _ in times]
    for col, step in enumerate(_STEPS):
        shifted = q.copy()
        shifted[col] += step
        sat = element_set(shifted, epoch, drag)
        if sat is None:
            return None
        for k, t in enumerate(times):
            moved, base = state_at(sat, t), bases[k]
            if moved is None or base is None:
                return None
            out[k][:, col] = (moved - base) / step
    return out


def _scaled(state: Vector) -> Vector:
    out = state.copy()
    out[3:] *= _VELOCITY_SCALE_S
    return out


def solve_elements(target: Vector, at: datetime, drag: Drag, start: Vector) -> Vector:
    """Mean elements, by Newton's method from ``start``, whose SGP4 state at ``at`` is ``target``.

    Returns the closest elements found (see ``fit_element_set``); Invalid when not even
    ``start`` gives a usable element set.
    """
    goal = _scaled(target)
    q = start.copy()
    best: tuple[float, Vector] | None = None
    for _ in range(_MAX_ITERATIONS):
        sat = element_set(q, at, drag)
        state = None if sat is None else state_at(sat, at)
        if state is None:
            break
        residual = goal - _scaled(state)
        size = float(np.max(np.abs(residual)))
        if best is None or size < best[0]:
            best = (size, q)
        if size < _POSITION_TOLERANCE_KM:
            break
        found = sensitivities(q, at, drag, [at])
        if found is None:
            break
        q = q + np.linalg.lstsq(_scaled(found[0]), residual, rcond=None)[0]
    if best is None:
        raise Invalid(
            "no SGP4 element set fits this state; check that it is an Earth orbit "
            "in km and km/s (TEME frame)"
        )
    return best[1]


def fit_element_set(r: Vector, v: Vector, at: datetime, drag: Drag | None = None) -> Satrec:
    """The element set, epoch ``at``, whose SGP4 state at ``at`` is ``r, v`` (TEME, km, km/s).

    Newton's method starts from the osculating elements. Where SGP4's map is not smooth (a
    geostationary orbit of almost no inclination) it may stop short; the closest set found
    is returned, and the watch carries what is left as a deviation (``muster.vessels.model``).
    """
    drag = drag or Drag()
    a, e, i, node, argp, m = elements_vector(r, v, WGS72_MU)
    start = equinoctial(math.sqrt(WGS72_MU / a**3) * 60.0, e, i, node, argp, m)
    q = solve_elements(np.concatenate([r, v]), at, drag, start)
    sat = element_set(q, at, drag)
    assert sat is not None  # solve_elements returns only usable elements
    return sat
