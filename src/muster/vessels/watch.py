"""One observation judged against the baseline: prediction, residual, test, explanation.

Pure functions over the stored rows; ``muster.vessels.service`` records the outcome.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import numpy as np
from sgp4.api import Satrec

from muster.errors import Invalid
from muster.vessels import orbits
from muster.vessels.bodies import Body
from muster.vessels.detection import Accuracy, Verdict, judge
from muster.vessels.enums import ObservationKind
from muster.vessels.fitting import fit_element_set, mean_elements
from muster.vessels.model import Estimate, Innovation, Reference, innovation, updated
from muster.vessels.models import Observation, Vessel
from muster.vessels.orbits import Vector


@lru_cache(maxsize=64)
def _fitted(state: tuple[float, ...], at: datetime) -> Satrec:
    r, v = np.asarray(state[:3]), np.asarray(state[3:])
    return fit_element_set(r, v, at)


def observed_state(row: Observation) -> Vector:
    """The six numbers of an observation's state (for an element set: SGP4's at its epoch)."""
    return np.asarray([*row.position, *row.velocity], dtype=np.float64)


def reference_of(body: Body, baseline: Observation) -> Reference:
    """The trajectory predictions start from, given the baseline observation."""
    state = observed_state(baseline)
    exact = baseline.kind == ObservationKind.TLE.value
    if exact:
        sat = orbits.parse_tle(baseline.tle_line1 or "", baseline.tle_line2 or "")
    elif body.name == "earth":
        sat = _fitted(tuple(float(x) for x in state), baseline.observed_at)
    else:
        return Reference(body, baseline.observed_at, state)
    r, v = orbits.propagate_tle(sat, baseline.observed_at)
    at_epoch = np.concatenate([r, v])
    return Reference(body, baseline.observed_at, at_epoch, sat, exact, mean_elements(sat))


# SGP4 uses its deep-space theory from this period on (Spacetrack Report #3).
DEEP_SPACE_PERIOD_MIN = 225.0
# Below this fitted mean inclination a deep-space state is refused as a baseline: SGP4's
# deep-space map is not smooth so near the equator, and fitting an element set through
# one state lands on a set (about 0.03 deg for a geostationary vessel of 0.002 deg) whose
# prediction drifts from the truth faster than the sensor's noise (bench/vessels.py: a
# state baseline of XM-3 false-alarmed within 3 hours; fitted sets of 0.1 deg and above
# held for 48 hours). Near-circular or not, low orbits (SGP4's near-Earth theory) are fine.
MIN_DEEP_SPACE_INCLINATION_DEG = 0.1


def refuse_unfit_baseline(body: Body, baseline: Observation) -> None:
    """Refuse a state vector as the baseline where the watch cannot predict from it.

    Only an Earth state in a high orbit this close to the equator is refused; the sensor
    sends the vessel's published element set as the baseline there instead.
    """
    if baseline.kind == ObservationKind.TLE.value or body.name != "earth":
        return
    state = observed_state(baseline)
    sat = _fitted(tuple(float(x) for x in state), baseline.observed_at)
    period_min = 2.0 * math.pi / float(sat.no_kozai)
    inclination = math.degrees(float(sat.inclo))
    if period_min >= DEEP_SPACE_PERIOD_MIN and inclination < MIN_DEEP_SPACE_INCLINATION_DEG:
        raise Invalid(
            f"a state vector cannot be this vessel's baseline: its orbit is high (period "
            f"{period_min:.0f} min) and within {MIN_DEEP_SPACE_INCLINATION_DEG:g} deg of the "
            f"equator (fitted inclination {inclination:.3f} deg), where SGP4 fits several "
            "element sets through one state and the watch would raise false alarms; record "
            "the vessel's two-line element set (kind tle) as the baseline, then its states"
        )


def initial_estimate(reference: Reference, baseline: Observation, noise: Vector) -> Estimate:
    """The estimate right after the baseline (``Reference.initial``)."""
    return reference.initial(observed_state(baseline), noise)


def accuracy_of(vessel: Vessel) -> Accuracy:
    """The vessel's sensor accuracy."""
    return Accuracy(vessel.position_accuracy_km, vessel.velocity_accuracy_km_s)


@dataclass(frozen=True)
class Comparison:
    """How one observation compared with the prediction, and the test's verdict."""

    found: Innovation
    verdict: Verdict
    delta_a_km: float
    delta_e: float
    plane_change_deg: float
    reasons: list[str]

    @property
    def manoeuvre(self) -> bool:
        """True when the test failed."""
        return self.verdict.manoeuvre

    @property
    def position_error_km(self) -> float:
        """Distance from the predicted position."""
        return float(np.linalg.norm(self.found.residual[:3]))

    @property
    def velocity_error_km_s(self) -> float:
        """Difference from the predicted velocity."""
        return float(np.linalg.norm(self.found.residual[3:]))


def compare(
    vessel: Vessel,
    *,
    reference: Reference,
    estimate: Estimate,
    observed: Vector,
    at: datetime,
    earlier: list[float],
    baseline_number: int,
) -> Comparison:
    """Judge an observation; ``earlier`` are the chi-square values since the baseline."""
    accuracy = accuracy_of(vessel)
    found = innovation(reference, estimate, observed, at, accuracy.covariance())
    verdict = judge(
        [*earlier, found.chi_square],
        window=vessel.test_window,
        false_alarm_probability=vessel.false_alarm_probability,
    )
    mu = reference.body.mu
    seen = orbits.elements_of(observed[:3], observed[3:], mu)
    expected = orbits.elements_of(found.predicted[:3], found.predicted[3:], mu)
    delta_a = seen.a - expected.a
    reasons = list(verdict.reasons)
    if reasons:
        source = "baseline element set" if reference.sat is not None else "baseline state"
        reasons.append(
            f"{float(np.linalg.norm(found.residual[:3])):.3f} km and "
            f"{float(np.linalg.norm(found.residual[3:])) * 1000:.2f} m/s from the "
            f"{reference.model} prediction from the {source} (observation {baseline_number}); "
            f"chi-square {found.chi_square:.1f} with 6 degrees of freedom at a sensor accuracy "
            f"of {accuracy.position_km:g} km and {accuracy.velocity_km_s * 1000:g} m/s"
        )
        if math.isfinite(delta_a):
            reasons.append(f"osculating semi-major axis {delta_a:+.3f} km from the prediction's")
    return Comparison(
        found=found,
        verdict=verdict,
        delta_a_km=delta_a,
        delta_e=seen.e - expected.e,
        plane_change_deg=math.degrees(orbits.plane_angle(seen.normal, expected.normal)),
        reasons=reasons,
    )


def estimate_after(vessel: Vessel, estimate: Estimate, comparison: Comparison) -> Estimate:
    """The estimate refined by an observation that matched."""
    return updated(estimate, comparison.found, accuracy_of(vessel).covariance())
