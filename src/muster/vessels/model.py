"""The one orbit model the watch predicts with, and its estimate from the observations.

Predictions start from the baseline:

- a published element set is propagated by SGP4 and taken as exact: each observation is
  compared with SGP4's own prediction and the sensor's accuracy alone;
- a state vector around Earth becomes the element set SGP4 maps onto it (``fitting``);
  the watch then estimates seven parameters, the change of that state at its epoch and
  the drag term B* (a state says nothing of drag), and predicts by SGP4 from the element
  set through the changed state;
- a state vector around another body is propagated under point-mass gravity, and the
  watch estimates the change of the state.

The estimate is refined by each observation that matched (a linear least-squares update,
a Kalman filter at a fixed epoch), so a noisy state-vector baseline improves as the arc
grows, and the covariance of each prediction is known for the test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import numpy as np
from sgp4.api import Satrec

from muster.vessels import orbits
from muster.vessels.bodies import Body
from muster.vessels.fitting import (
    Drag,
    element_set,
    mean_elements,
    sensitivities,
    solve_elements,
    state_at,
)
from muster.vessels.orbits import Vector

# Finite-difference steps of a two-body state: position (km) and velocity (km/s).
_STEPS = np.array([1e-3, 1e-3, 1e-3, 1e-6, 1e-6, 1e-6])
_BSTAR_STEP = 1e-5
BSTAR_PRIOR = 1e-3  # one standard deviation of B* (1/earth radii) before any observation


@lru_cache(maxsize=256)
def _moved_elements(
    start: tuple[float, ...], target: tuple[float, ...], epoch: datetime, bstar: float
) -> tuple[float, ...]:
    """Mean elements, from the reference's, through a changed state (cached per state)."""
    q = solve_elements(np.asarray(target), epoch, Drag(bstar=bstar), np.asarray(start))
    return tuple(float(x) for x in q)


@dataclass(frozen=True)
class Reference:
    """Where predictions start: an element set (SGP4) or a state (point-mass gravity)."""

    body: Body
    epoch: datetime
    state: Vector  # r (km) and v (km/s) at the epoch, six numbers
    sat: Satrec | None = None
    exact: bool = False  # a published element set: no parameter to estimate
    elements: Vector = field(default_factory=lambda: np.zeros(6))  # mean, equinoctial

    @property
    def model(self) -> str:
        """The propagation model, in words for an explanation."""
        return "SGP4" if self.sat is not None else "two-body"

    @property
    def parameters(self) -> int:
        """How many numbers the estimate holds: 7 with B*, else 6."""
        return 7 if self.sat is not None and not self.exact else 6

    def _moved(self, p: Vector) -> Satrec:
        q = _moved_elements(
            tuple(float(x) for x in self.elements),
            tuple(float(x) for x in self.state + p[:6]),
            self.epoch,
            float(p[6]),
        )
        sat = element_set(np.asarray(q), self.epoch, Drag(bstar=float(p[6])))
        assert sat is not None  # solve_elements returns only usable elements
        return sat

    def predict(self, p: Vector, at: datetime) -> Vector:
        """The state at ``at`` given the estimated parameters ``p``."""
        if self.sat is None:
            dt = (at - self.epoch).total_seconds()
            r0, v0 = self.state[:3] + p[:3], self.state[3:] + p[3:6]
            r, v = orbits.propagate_two_body(r0, v0, dt, self.body.mu)
            return np.concatenate([r, v])
        sat = self.sat if self.exact or not np.any(p) else self._moved(p)
        r, v = orbits.propagate_tle(sat, at)
        return np.concatenate([r, v])

    def jacobian(self, p: Vector, at: datetime) -> Vector:
        """How the predicted state at ``at`` moves with the parameters (6 x 6 or 6 x 7)."""
        if self.sat is None:
            return self._two_body_jacobian(p, at)
        moved = self._moved(p)
        q = mean_elements(moved)
        found = sensitivities(q, self.epoch, Drag(bstar=float(p[6])), [self.epoch, at])
        out = np.zeros((6, 7))
        if found is not None:
            out[:, :6] = found[1] @ np.linalg.pinv(found[0])
        dragged = element_set(q, self.epoch, Drag(bstar=float(p[6]) + _BSTAR_STEP))
        if dragged is not None:
            before, after = state_at(moved, at), state_at(dragged, at)
            if before is not None and after is not None:
                out[:, 6] = (after - before) / _BSTAR_STEP
        return out

    def _two_body_jacobian(self, p: Vector, at: datetime) -> Vector:
        dt = (at - self.epoch).total_seconds()
        start = self.state + p[:6]
        centre = np.concatenate(orbits.propagate_two_body(start[:3], start[3:], dt, self.body.mu))
        out = np.empty((6, 6))
        for col, step in enumerate(_STEPS):
            shifted = start.copy()
            shifted[col] += step
            moved = orbits.propagate_two_body(shifted[:3], shifted[3:], dt, self.body.mu)
            out[:, col] = (np.concatenate(moved) - centre) / step
        return out

    def initial(self, observed: Vector, noise: Vector) -> Estimate:
        """The estimate right after the baseline: exact for an element set, else its noise."""
        if self.exact:
            return Estimate.exact()
        n = self.parameters
        deviation = np.zeros(n)
        deviation[:6] = observed - self.state
        covariance = np.zeros((n, n))
        covariance[:6, :6] = noise
        if n == 7:
            covariance[6, 6] = BSTAR_PRIOR**2
        return Estimate(deviation, covariance)


@dataclass(frozen=True)
class Estimate:
    """The estimated parameters (see ``Reference``) and their covariance."""

    deviation: Vector
    covariance: Vector

    @classmethod
    def exact(cls) -> Estimate:
        """No parameter and no uncertainty: the reference is taken as it is."""
        return cls(np.zeros(6), np.zeros((6, 6)))

    def to_json(self) -> dict[str, Any]:
        """JSON-able form, for the vessel row."""
        return {
            "deviation": [float(x) for x in self.deviation],
            "covariance": [[float(x) for x in row] for row in self.covariance],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Estimate:
        """The estimate stored by ``to_json``."""
        return cls(
            np.asarray(data["deviation"], dtype=np.float64),
            np.asarray(data["covariance"], dtype=np.float64),
        )


@dataclass(frozen=True)
class Innovation:
    """An observation less its prediction, with the covariance that difference should have."""

    predicted: Vector
    residual: Vector
    covariance: Vector
    jacobian: Vector | None

    @property
    def chi_square(self) -> float:
        """The squared residual normalised by its covariance (chi-square, 6 degrees of freedom)."""
        return float(self.residual @ np.linalg.solve(self.covariance, self.residual))


def innovation(
    reference: Reference, estimate: Estimate, observed: Vector, at: datetime, noise: Vector
) -> Innovation:
    """Compare an observed state with the prediction, given the sensor's covariance ``noise``."""
    predicted = reference.predict(estimate.deviation, at)
    residual = observed - predicted
    if not np.any(estimate.covariance):
        return Innovation(predicted, residual, noise, None)
    h = reference.jacobian(estimate.deviation, at)
    return Innovation(predicted, residual, h @ estimate.covariance @ h.T + noise, h)


def updated(estimate: Estimate, found: Innovation, noise: Vector) -> Estimate:
    """The estimate after a matching observation (Joseph form, which keeps it symmetric)."""
    if found.jacobian is None:
        return estimate
    h, p = found.jacobian, estimate.covariance
    gain = p @ h.T @ np.linalg.inv(found.covariance)
    keep = np.eye(len(p)) - gain @ h
    covariance = keep @ p @ keep.T + gain @ noise @ gain.T
    return Estimate(estimate.deviation + gain @ found.residual, (covariance + covariance.T) / 2)
