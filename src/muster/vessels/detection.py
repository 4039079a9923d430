"""Manoeuvre detection: a chi-square test of the residuals over the latest observations.

Each observation is compared with the watch's prediction (``muster.vessels.model``): its
residual in position and velocity, normalised by the covariance it should have (the
sensor's stated accuracy, plus the uncertainty of the prediction itself), gives a
chi-square value with 6 degrees of freedom when nothing but noise is at work. A burn makes
the residuals grow from one observation to the next, so the watch sums the latest ``n``
values (``n`` = 1 up to the window) and compares each sum with the chi-square quantile for
``6 n`` degrees of freedom. The false-alarm probability is shared among the window's tests
(Bonferroni), so it bounds the chance that one observation raises a false alarm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from muster.vessels.orbits import Vector

DEGREES_PER_OBSERVATION = 6  # three of position, three of velocity


@dataclass(frozen=True)
class Accuracy:
    """A sensor's stated accuracy: the standard deviation of each coordinate (1 sigma)."""

    position_km: float = 0.05
    velocity_km_s: float = 0.0002

    def covariance(self) -> Vector:
        """The observation's covariance: independent errors per coordinate."""
        variances = [self.position_km**2] * 3 + [self.velocity_km_s**2] * 3
        return np.diag(np.asarray(variances, dtype=np.float64))


def chi_square_survival(x: float, dof: int) -> float:
    """P(X > x) for a chi-square variable of an even number of degrees of freedom.

    For ``dof = 2 k`` the survival function is exp(-x/2) times the first ``k`` terms of the
    exponential series in x/2; summed in logs so that large ``x`` does not overflow.
    """
    if dof <= 0 or dof % 2:
        raise ValueError("the closed form needs an even, positive number of degrees of freedom")
    if x <= 0:
        return 1.0
    half = x / 2.0
    log_terms = [i * math.log(half) - math.lgamma(i + 1) for i in range(dof // 2)]
    top = max(log_terms)
    total = sum(math.exp(t - top) for t in log_terms)
    return min(1.0, math.exp(-half + top + math.log(total)))


def chi_square_threshold(dof: int, probability: float) -> float:
    """The value a chi-square variable of ``dof`` degrees exceeds with ``probability``."""
    if not 0.0 < probability < 1.0:
        raise ValueError("a false-alarm probability lies between 0 and 1")
    low, high = 0.0, float(dof)
    while chi_square_survival(high, dof) > probability:
        high *= 2.0
    for _ in range(200):
        mid = (low + high) / 2.0
        if chi_square_survival(mid, dof) > probability:
            low = mid
        else:
            high = mid
        if high - low < 1e-9 * high:
            break
    return high


@dataclass(frozen=True)
class Test:
    """One chi-square test over the latest ``observations``: the sum and its threshold."""

    observations: int
    statistic: float
    threshold: float

    @property
    def degrees(self) -> int:
        """Degrees of freedom of the sum."""
        return DEGREES_PER_OBSERVATION * self.observations

    @property
    def failed(self) -> bool:
        """True when the residuals are too large to be the sensor's noise."""
        return self.statistic > self.threshold


@dataclass(frozen=True)
class Verdict:
    """The decisive test of an observation and, when it failed, why it is a manoeuvre."""

    test: Test
    false_alarm_probability: float
    reasons: list[str] = field(default_factory=list)

    @property
    def manoeuvre(self) -> bool:
        """True when a test failed."""
        return bool(self.reasons)


def judge(chi_squares: list[float], *, window: int, false_alarm_probability: float) -> Verdict:
    """Test the latest chi-square values (oldest first, the new observation's last).

    Every sum of the latest ``n`` values, ``n`` from 1 to ``window``, is tested at
    ``false_alarm_probability / window``. The reported test is the first that failed, or,
    when none did, the one nearest its threshold.
    """
    if not chi_squares:
        raise ValueError("judge needs the new observation's chi-square value")
    per_test = false_alarm_probability / window
    tests = []
    for n in range(1, min(window, len(chi_squares)) + 1):
        dof = DEGREES_PER_OBSERVATION * n
        tests.append(Test(n, float(sum(chi_squares[-n:])), chi_square_threshold(dof, per_test)))
    failed = [t for t in tests if t.failed]
    decisive = failed[0] if failed else max(tests, key=lambda t: t.statistic / t.threshold)
    reasons = []
    if failed:
        span = (
            "this observation"
            if decisive.observations == 1
            else (f"the last {decisive.observations} observations")
        )
        reasons.append(
            f"the residuals of {span} fail the chi-square test: {decisive.statistic:.1f} "
            f"exceeds {decisive.threshold:.1f} ({decisive.degrees} degrees of freedom, "
            f"false-alarm probability {per_test:.1e})"
        )
    return Verdict(decisive, false_alarm_probability, reasons)
