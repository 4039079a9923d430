"""Orbital mechanics: two-body propagation, orbital elements, and SGP4 for element sets.

Positions are in km, velocities in km/s, in an inertial frame centred on the body (for a
two-line element set: SGP4's TEME frame). Two-body propagation uses the universal-variable
formulation of Kepler's problem (Curtis, *Orbital Mechanics for Engineering Students*,
algorithms 3.3 and 3.4; Vallado, *Fundamentals of Astrodynamics*, algorithm 8), which holds
for elliptic, parabolic and hyperbolic orbits alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
from sgp4.api import WGS72, Satrec, jday
from sgp4.conveniences import sat_epoch_datetime

from muster.errors import Invalid

Vector = npt.NDArray[np.float64]

_SERIES_LIMIT = 1e-6
_MAX_ITERATIONS = 60
_TOLERANCE = 1e-10


def vector(values: tuple[float, float, float] | list[float] | Vector) -> Vector:
    """A 3-vector of floats."""
    out = np.asarray(values, dtype=np.float64)
    if out.shape != (3,) or not np.all(np.isfinite(out)):
        raise Invalid("a position or velocity needs three finite numbers")
    return out


@dataclass(frozen=True)
class State:
    """Position (km) and velocity (km/s) at a moment."""

    r: Vector
    v: Vector
    at: datetime


@dataclass(frozen=True)
class Elements:
    """The shape and plane of an orbit: what a manoeuvre changes."""

    a: float  # semi-major axis, km (negative for a hyperbola, inf for a parabola)
    e: float  # eccentricity
    i: float  # inclination, radians
    normal: Vector  # unit vector along the angular momentum


def stumpff_c(z: float) -> float:
    """Stumpff function C(z)."""
    if abs(z) < _SERIES_LIMIT:
        return 0.5 - z / 24.0 + z * z / 720.0
    if z > 0:
        return (1.0 - math.cos(math.sqrt(z))) / z
    return (math.cosh(math.sqrt(-z)) - 1.0) / -z


def stumpff_s(z: float) -> float:
    """Stumpff function S(z)."""
    if abs(z) < _SERIES_LIMIT:
        return 1.0 / 6.0 - z / 120.0 + z * z / 5040.0
    if z > 0:
        s = math.sqrt(z)
        return (s - math.sin(s)) / s**3
    s = math.sqrt(-z)
    return (math.sinh(s) - s) / s**3


def specific_energy(r: Vector, v: Vector, mu: float) -> float:
    """Orbital energy per unit mass, km^2/s^2 (constant on a two-body orbit)."""
    return float(np.dot(v, v) / 2.0 - mu / np.linalg.norm(r))


def elements_of(r: Vector, v: Vector, mu: float) -> Elements:
    """Osculating semi-major axis, eccentricity, inclination and plane of a state."""
    rn = float(np.linalg.norm(r))
    if rn <= 0:
        raise Invalid("a position at the centre of the body has no orbit")
    h = np.cross(r, v)
    hn = float(np.linalg.norm(h))
    if hn == 0:
        raise Invalid("position and velocity are parallel: a radial fall has no orbital plane")
    e_vec = ((float(np.dot(v, v)) - mu / rn) * r - float(np.dot(r, v)) * v) / mu
    energy = specific_energy(r, v, mu)
    a = math.inf if energy == 0 else -mu / (2.0 * energy)
    inclination = math.acos(max(-1.0, min(1.0, float(h[2]) / hn)))
    return Elements(a=a, e=float(np.linalg.norm(e_vec)), i=inclination, normal=h / hn)


def _signed_angle(a: Vector, b: Vector, normal: Vector) -> float:
    """Angle from ``a`` to ``b`` about ``normal``, in [0, 2 pi)."""
    angle = math.atan2(float(np.dot(np.cross(a, b), normal)), float(np.dot(a, b)))
    return angle % (2.0 * math.pi)


def elements_vector(
    r: Vector, v: Vector, mu: float
) -> tuple[float, float, float, float, float, float]:
    """Osculating (a, e, i, node, argument of perigee, mean anomaly) of an elliptic state.

    On a circular orbit the perigee is taken at the node, on an equatorial one the node on
    the x axis, so the sums that stay defined (node + perigee + anomaly) come out right.
    """
    shape = elements_of(r, v, mu)
    if not 0 < shape.a < math.inf or shape.e >= 1.0:
        raise Invalid("the state is not on a closed orbit; check the units (km and km/s)")
    h = shape.normal
    node_vec = np.cross([0.0, 0.0, 1.0], h)
    if float(np.linalg.norm(node_vec)) < 1e-12:
        node_vec = np.array([1.0, 0.0, 0.0])
    node_vec = node_vec / np.linalg.norm(node_vec)
    node = math.atan2(float(node_vec[1]), float(node_vec[0])) % (2.0 * math.pi)
    rn = float(np.linalg.norm(r))
    e_vec = ((float(np.dot(v, v)) - mu / rn) * r - float(np.dot(r, v)) * v) / mu
    perigee = e_vec if shape.e > 1e-11 else node_vec
    argp = _signed_angle(node_vec, perigee, h)
    true_anomaly = _signed_angle(perigee, r, h)
    e = shape.e
    ecc_anomaly = 2.0 * math.atan2(
        math.sqrt(1.0 - e) * math.sin(true_anomaly / 2.0),
        math.sqrt(1.0 + e) * math.cos(true_anomaly / 2.0),
    )
    mean_anomaly = (ecc_anomaly - e * math.sin(ecc_anomaly)) % (2.0 * math.pi)
    return shape.a, e, shape.i, node, argp, mean_anomaly


def period_of(a: float, mu: float) -> float:
    """Orbital period in seconds of an ellipse of semi-major axis ``a``."""
    if not a > 0 or math.isinf(a):
        raise Invalid("only a closed (elliptic) orbit has a period")
    return 2.0 * math.pi * math.sqrt(a**3 / mu)


def _hyperbolic_guess(r0: float, vr0: float, alpha: float, dt: float, mu: float) -> float:
    """A starting chi on a hyperbola: the straight-line guess for short intervals, or for
    long ones Vallado's (Fundamentals of Astrodynamics, algorithm 8), sign(dt) sqrt(-a)
    ln(-2 mu alpha dt / (r.v + sign(dt) sqrt(-mu a) (1 - r0 alpha))), whichever leaves the
    smaller residual of Kepler's equation."""
    straight = math.sqrt(mu) * dt / r0
    a = 1.0 / alpha
    sign = 1.0 if dt >= 0 else -1.0
    denominator = r0 * vr0 + sign * math.sqrt(-mu * a) * (1.0 - r0 * alpha)
    ratio = -2.0 * mu * alpha * dt / denominator if denominator else 0.0
    if not ratio > 1.0:
        return straight
    long = sign * math.sqrt(-a) * math.log(ratio)
    residuals = {
        abs(_kepler_residual(chi, r0, vr0, alpha, dt, mu)): chi for chi in (straight, long)
    }
    return residuals[min(residuals)]


def _kepler_residual(
    chi: float, r0: float, vr0: float, alpha: float, dt: float, mu: float
) -> float:
    """The universal Kepler equation's residual at ``chi`` (seconds times sqrt(mu))."""
    sqrt_mu = math.sqrt(mu)
    z = alpha * chi * chi
    return (
        r0 * vr0 / sqrt_mu * chi * chi * stumpff_c(z)
        + (1.0 - alpha * r0) * chi**3 * stumpff_s(z)
        + r0 * chi
        - sqrt_mu * dt
    )


def _solve_universal_anomaly(r0: float, vr0: float, alpha: float, dt: float, mu: float) -> float:
    """Newton's method on the universal Kepler equation for chi (km^0.5)."""
    sqrt_mu = math.sqrt(mu)
    chi = sqrt_mu * abs(alpha) * dt
    if abs(alpha) < 1e-12:  # near-parabolic: start from the straight-line guess
        chi = sqrt_mu * dt / r0
    elif alpha < 0:  # a hyperbola: the elliptic guess can leave Newton's method oscillating
        chi = _hyperbolic_guess(r0, vr0, alpha, dt, mu)
    for _ in range(_MAX_ITERATIONS):
        z = alpha * chi * chi
        c, s = stumpff_c(z), stumpff_s(z)
        f = _kepler_residual(chi, r0, vr0, alpha, dt, mu)
        df = (
            r0 * vr0 / sqrt_mu * chi * (1.0 - alpha * chi * chi * s)
            + (1.0 - alpha * r0) * chi * chi * c
            + r0
        )
        step = f / df
        chi -= step
        if abs(step) < _TOLERANCE * max(1.0, abs(chi)):
            return chi
    raise Invalid("Kepler's equation did not converge for this state and interval")


def propagate_two_body(r0: Vector, v0: Vector, dt: float, mu: float) -> tuple[Vector, Vector]:
    """Position and velocity ``dt`` seconds after (or before) ``r0, v0`` under point-mass gravity.

    On an ellipse, whole revolutions are removed from ``dt`` first, so the solver always
    works within one period and keeps its accuracy over long intervals.
    """
    r0n = float(np.linalg.norm(r0))
    vr0 = float(np.dot(r0, v0)) / r0n
    alpha = 2.0 / r0n - float(np.dot(v0, v0)) / mu
    if alpha > 1e-12:
        dt = math.fmod(dt, 2.0 * math.pi / math.sqrt(mu * alpha**3))
    if dt == 0:
        return r0.copy(), v0.copy()
    chi = _solve_universal_anomaly(r0n, vr0, alpha, dt, mu)
    z = alpha * chi * chi
    c, s = stumpff_c(z), stumpff_s(z)
    f = 1.0 - chi * chi / r0n * c
    g = dt - chi**3 / math.sqrt(mu) * s
    r = f * r0 + g * v0
    rn = float(np.linalg.norm(r))
    fdot = math.sqrt(mu) / (rn * r0n) * (alpha * chi**3 * s - chi)
    gdot = 1.0 - chi * chi / rn * c
    v = fdot * r0 + gdot * v0
    return r, v


def circular_state(
    mu: float, radius: float, *, inclination_deg: float = 0.0, at: datetime
) -> State:
    """A circular orbit of ``radius`` km, starting on the ascending node (x axis)."""
    speed = math.sqrt(mu / radius)
    inc = math.radians(inclination_deg)
    r = vector([radius, 0.0, 0.0])
    v = vector([0.0, speed * math.cos(inc), speed * math.sin(inc)])
    return State(r=r, v=v, at=at)


# Element sets (TLE): SGP4 from the ``sgp4`` package, WGS-72 constants as the format needs.


def tle_checksum(line: str) -> int:
    """The checksum of a line's first 68 columns: its digits summed, each minus sign as 1."""
    return sum(int(c) if c.isdigit() else int(c == "-") for c in line[:68]) % 10


def parse_tle(line1: str, line2: str) -> Satrec:
    """A parsed two-line element set, or Invalid saying what is wrong with it.

    Each line must be 69 columns and end in its checksum (modulo 10): a set garbled in
    transmission is refused rather than read as a different orbit.
    """
    line1, line2 = line1.strip(), line2.strip()
    if not (line1.startswith("1 ") and line2.startswith("2 ")):
        raise Invalid("a two-line element set has line 1 starting '1 ' and line 2 starting '2 '")
    for number, line in ((1, line1), (2, line2)):
        if len(line) != 69 or not line[68].isdigit():
            raise Invalid(
                f"line {number} of the element set has {len(line)} columns; it needs 69, "
                "the last one its checksum"
            )
        if int(line[68]) != tle_checksum(line):
            raise Invalid(
                f"line {number} of the element set fails its checksum (ends in {line[68]}, "
                f"the columns sum to {tle_checksum(line)}); it was garbled: fetch it again"
            )
    try:
        sat = Satrec.twoline2rv(line1, line2, WGS72)
    except Exception as exc:  # the parser raises plain ValueErrors
        raise Invalid(f"the element set does not parse: {exc}") from exc
    if sat.error:
        raise Invalid(f"the element set is not usable (SGP4 error {sat.error})")
    return sat


def tle_epoch(sat: Satrec) -> datetime:
    """The epoch of an element set, UTC."""
    epoch: datetime = sat_epoch_datetime(sat)
    return epoch.astimezone(UTC)


def propagate_tle(sat: Satrec, at: datetime) -> tuple[Vector, Vector]:
    """TEME position and velocity of an element set's object at ``at`` (SGP4/SDP4)."""
    at = at.astimezone(UTC)
    seconds = at.second + at.microsecond / 1e6
    jd, fr = jday(at.year, at.month, at.day, at.hour, at.minute, seconds)
    error, r, v = sat.sgp4(jd, fr)
    if error:
        raise Invalid(f"SGP4 cannot propagate this element set to {at.isoformat()} (error {error})")
    return vector(r), vector(v)


def tle_elements(sat: Satrec) -> Elements:
    """Mean semi-major axis, eccentricity and plane of an element set (not osculating)."""
    inc, node = float(sat.inclo), float(sat.nodeo)
    normal = vector(
        [math.sin(inc) * math.sin(node), -math.sin(inc) * math.cos(node), math.cos(inc)]
    )
    a = float(sat.a) * float(sat.radiusearthkm)
    return Elements(a=a, e=float(sat.ecco), i=inc, normal=normal)


def plane_angle(n1: Vector, n2: Vector) -> float:
    """Angle in radians between two orbital planes given by their unit normals."""
    return math.acos(max(-1.0, min(1.0, float(np.dot(n1, n2)))))
