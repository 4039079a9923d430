"""Manoeuvre detection: an observation compared with the prediction and the agreed orbit.

Two references are kept. The *baseline* is the orbit the vessel agreed to hold (its shape
and plane: semi-major axis, eccentricity, orbital plane); it changes only when an operator
sets it again, so a series of small burns, each below a threshold, still adds up to an
alarm. The *reference* is the last observation that matched; the prediction propagates it
to the new observation's time, so predictions stay short and sensor noise does not grow.

An observation is a manoeuvre when any departure passes its threshold. Thresholds must sit
above what the sensor's stated accuracy can produce on its own; ``noise_bounds`` gives the
worst case (to first order) for a given orbit and accuracy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from muster.vessels.orbits import Elements, Vector, plane_angle


@dataclass(frozen=True)
class Thresholds:
    """Departures beyond which an observation counts as a manoeuvre."""

    delta_a_km: float = 2.0
    delta_e: float = 4e-4
    plane_deg: float = 0.02
    position_km: float = 3.0


@dataclass(frozen=True)
class Accuracy:
    """A sensor's stated accuracy: the largest error of one position and one velocity."""

    position_km: float = 0.05
    velocity_km_s: float = 0.0002


@dataclass(frozen=True)
class Comparison:
    """How one observation departs from the prediction and from the baseline."""

    predicted_r: Vector
    position_error_km: float
    delta_a_km: float
    delta_e: float
    plane_change_deg: float
    reasons: list[str] = field(default_factory=list)

    @property
    def manoeuvre(self) -> bool:
        """True when any departure passed its threshold."""
        return bool(self.reasons)


def compare(
    *,
    observed_r: Vector,
    observed: Elements,
    predicted_r: Vector,
    baseline: Elements,
    thresholds: Thresholds,
) -> Comparison:
    """Compare an observation with the prediction and the baseline; say which limits it passed."""
    position_error = float(np.linalg.norm(observed_r - predicted_r))
    delta_a = observed.a - baseline.a
    delta_e = observed.e - baseline.e
    plane = math.degrees(plane_angle(observed.normal, baseline.normal))
    reasons: list[str] = []
    if not math.isfinite(delta_a) or abs(delta_a) > thresholds.delta_a_km:
        reasons.append(
            f"semi-major axis changed by {delta_a:+.2f} km (limit {thresholds.delta_a_km:g} km)"
        )
    if abs(delta_e) > thresholds.delta_e:
        reasons.append(f"eccentricity changed by {delta_e:+.5f} (limit {thresholds.delta_e:g})")
    if plane > thresholds.plane_deg:
        reasons.append(f"orbital plane turned by {plane:.4f} deg (limit {thresholds.plane_deg:g})")
    if position_error > thresholds.position_km:
        reasons.append(
            f"position {position_error:.2f} km from the prediction "
            f"(limit {thresholds.position_km:g} km)"
        )
    return Comparison(
        predicted_r=predicted_r,
        position_error_km=position_error,
        delta_a_km=delta_a,
        delta_e=delta_e,
        plane_change_deg=plane,
        reasons=reasons,
    )


@dataclass(frozen=True)
class NoiseBounds:
    """The largest departures sensor error alone can cause between two observations."""

    delta_a_km: float
    delta_e: float
    plane_deg: float


def noise_bounds(r: Vector, v: Vector, mu: float, accuracy: Accuracy) -> NoiseBounds:
    """First-order worst case of each element's departure when both observations err fully.

    From the vis-viva equation, ``da = a^2 (2 dr / r^2 + 2 v dv / mu)``; the eccentricity
    vector and the plane normal move by about ``2 dv / v + dr / r`` and ``dv / v + dr / r``.
    Each bound is doubled: the baseline was observed with the same sensor.
    """
    rn = float(np.linalg.norm(r))
    vn = float(np.linalg.norm(v))
    a = 1.0 / (2.0 / rn - vn * vn / mu)
    dr, dv = accuracy.position_km, accuracy.velocity_km_s
    da = a * a * (2.0 * dr / (rn * rn) + 2.0 * vn * dv / mu)
    de = 2.0 * dv / vn + 2.0 * dr / rn
    dplane = dv / vn + dr / rn
    return NoiseBounds(delta_a_km=2.0 * da, delta_e=2.0 * de, plane_deg=math.degrees(2.0 * dplane))
