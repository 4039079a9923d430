"""The watch on real element sets: no false alarms over 48 hours, every 1 m/s burn caught.

The truth is SGP4's own motion from published element sets (``data/regimes.tle``, copied
from the SGP4 verification set and the sgp4 package's README), observed every 10 minutes
with Gaussian noise of the vessel's stated accuracy (``muster.vessels.sensor``).
"""

from __future__ import annotations

import math
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.orm import Session

from muster.errors import Invalid
from muster.policy.actor import Actor
from muster.vessels import orbits, service
from muster.vessels.detection import Accuracy, chi_square_survival, chi_square_threshold
from muster.vessels.enums import ObservationKind, VesselStatus
from muster.vessels.models import Observation, Vessel
from muster.vessels.schemas import ObservationCreate, VesselCreate
from muster.vessels.sensor import (
    Burn,
    ElementSetOrbit,
    Truth,
    observe,
    read_element_sets,
    with_inclination,
)

from .station import state_observation

SETS = read_element_sets((Path(__file__).parent / "data" / "regimes.tle").read_text())
INTERVAL = timedelta(minutes=10)


def element_set_observation(name: str) -> ObservationCreate:
    """The published element set ``name`` as an observation."""
    line1, line2 = SETS[name]
    return ObservationCreate(kind=ObservationKind.TLE, tle_line1=line1, tle_line2=line2)


def epoch_of(name: str) -> datetime:
    """The epoch of element set ``name``."""
    return orbits.tle_epoch(orbits.parse_tle(*SETS[name]))


def period_of(name: str) -> timedelta:
    """The period of element set ``name`` from its mean motion."""
    return timedelta(minutes=2 * math.pi / orbits.parse_tle(*SETS[name]).no_kozai)


def earth_vessel(session: Session, actor: Actor) -> Vessel:
    """An Earth vessel with the default accuracy and test."""
    data = VesselCreate(name=f"v-{uuid.uuid4().hex[:8]}")
    return service.register_vessel(session, data=data, actor=actor)


def sensor_pass(
    session: Session,
    actor: Actor,
    vessel: Vessel,
    truth: Truth,
    times: list[datetime],
    seed: int,
    *,
    until_alarm: bool = False,
) -> list[Observation]:
    """State vectors of ``truth`` with Gaussian noise of the vessel's accuracy."""
    accuracy = Accuracy(vessel.position_accuracy_km, vessel.velocity_accuracy_km_s)
    rng = np.random.default_rng(seed)
    rows = []
    for at in times:
        data = state_observation(*observe(truth, at, accuracy, rng), at)
        rows.append(
            service.record_observation(session, vessel_id=vessel.id, data=data, actor=actor)
        )
        if until_alarm and rows[-1].manoeuvre:
            break
    return rows


def every_interval(start: datetime, span: timedelta) -> list[datetime]:
    """Observation times after ``start``, every ten minutes, through ``span``."""
    return [start + INTERVAL * k for k in range(1, int(span / INTERVAL) + 1)]


class TestChiSquare:
    """The chi-square tail and quantiles match the published tables."""

    @pytest.mark.parametrize(
        ("dof", "value", "tail"),
        [(6, 12.592, 0.05), (6, 16.812, 0.01), (6, 22.458, 0.001), (18, 28.869, 0.05)],
    )
    def test_table_values(self, dof: int, value: float, tail: float) -> None:
        assert chi_square_survival(value, dof) == pytest.approx(tail, rel=1e-3)
        assert chi_square_threshold(dof, tail) == pytest.approx(value, rel=1e-4)


class TestPublishedElementSets:
    """Noise alone raises no alarm over 48 hours, from a published set of each regime."""

    @pytest.mark.parametrize("regime", ["leo", "molniya", "geo"])
    def test_no_alarm_in_48_hours(self, session: Session, actor: Actor, regime: str) -> None:
        vessel = earth_vessel(session, actor)
        service.record_observation(
            session, vessel_id=vessel.id, data=element_set_observation(regime), actor=actor
        )
        truth = ElementSetOrbit(orbits.parse_tle(*SETS[regime]))
        times = every_interval(epoch_of(regime), timedelta(hours=48))
        rows = sensor_pass(session, actor, vessel, truth, times, seed=len(regime))
        assert len(rows) == 288
        assert [r.number for r in rows if r.manoeuvre] == []
        assert vessel.status == VesselStatus.WATCHING
        # The residuals are the sensor's noise: chi-square with 6 degrees has mean 6.
        assert 4.5 < float(np.mean([r.chi_square for r in rows])) < 7.5


class TestBurns:
    """A prograde or radial burn of 1 m/s is caught within one orbit, with no alarm before."""

    @pytest.mark.parametrize("regime", ["leo", "molniya", "geo"])
    @pytest.mark.parametrize("axis", ["prograde", "radial"])
    def test_burn_caught_within_one_orbit(
        self, session: Session, actor: Actor, regime: str, axis: str
    ) -> None:
        vessel = earth_vessel(session, actor)
        service.record_observation(
            session, vessel_id=vessel.id, data=element_set_observation(regime), actor=actor
        )
        period = period_of(regime)
        burn_at = epoch_of(regime) + timedelta(hours=2) + period * 0.37
        truth = ElementSetOrbit(orbits.parse_tle(*SETS[regime]), Burn(burn_at, **{axis: 0.001}))
        times = every_interval(epoch_of(regime), burn_at - epoch_of(regime) + period)
        rows = sensor_pass(session, actor, vessel, truth, times, seed=7, until_alarm=True)
        flagged = [r for r in rows if r.manoeuvre]
        assert flagged, "the burn was not caught within one orbit"
        assert flagged[0].observed_at >= burn_at
        assert flagged[0].observed_at - burn_at <= period
        assert vessel.status == VesselStatus.MANOEUVRE


class TestStateVectorBaseline:
    """A state vector as the baseline: the watch fits SGP4 through it and estimates drag."""

    def test_no_alarm_in_48_hours_of_a_low_orbit(self, session: Session, actor: Actor) -> None:
        vessel = earth_vessel(session, actor)
        truth = ElementSetOrbit(orbits.parse_tle(*SETS["leo"]))  # drag: B* 3.9e-5
        start = epoch_of("leo")
        times = [start, *every_interval(start, timedelta(hours=48))]
        rows = sensor_pass(session, actor, vessel, truth, times, seed=11)
        assert [r.number for r in rows if r.manoeuvre] == []

    def test_burn_caught(self, session: Session, actor: Actor) -> None:
        vessel = earth_vessel(session, actor)
        start = epoch_of("leo")
        burn_at = start + timedelta(hours=6, minutes=3)
        truth = ElementSetOrbit(orbits.parse_tle(*SETS["leo"]), Burn(burn_at, prograde=0.001))
        times = [start, *every_interval(start, timedelta(hours=8))]
        rows = sensor_pass(session, actor, vessel, truth, times, seed=12, until_alarm=True)
        assert rows[-1].manoeuvre
        assert burn_at <= rows[-1].observed_at <= burn_at + period_of("leo")
        assert "chi-square" in rows[-1].reasons[0]


class TestHighEquatorialStateBaseline:
    """A state vector of a high orbit near the equator is refused as the baseline (SGP4 fits
    several element sets through it); the element set is taken, and so is an inclined state."""

    def test_geostationary_state_refused(self, session: Session, actor: Actor) -> None:
        vessel = earth_vessel(session, actor)
        truth = ElementSetOrbit(orbits.parse_tle(*SETS["geo"]))
        with pytest.raises(Invalid, match=r"within 0\.1 deg of the equator"):
            sensor_pass(session, actor, vessel, truth, [epoch_of("geo")], seed=1)
        assert vessel.baseline_observation_id is None
        assert session.query(Observation).filter_by(vessel_id=vessel.id).count() == 0

    def test_geostationary_state_cannot_become_the_baseline(
        self, session: Session, actor: Actor
    ) -> None:
        vessel = earth_vessel(session, actor)
        service.record_observation(
            session, vessel_id=vessel.id, data=element_set_observation("geo"), actor=actor
        )
        truth = ElementSetOrbit(orbits.parse_tle(*SETS["geo"]))
        (state,) = sensor_pass(
            session, actor, vessel, truth, every_interval(epoch_of("geo"), INTERVAL), seed=2
        )
        assert not state.manoeuvre
        with pytest.raises(Invalid, match="element set"):
            service.set_baseline(
                session, vessel_id=vessel.id, observation_id=state.id, reason="review", actor=actor
            )
        assert vessel.baseline_observation_id != state.id

    def test_half_a_degree_holds_without_alarm(self, session: Session, actor: Actor) -> None:
        """The same geostationary set inclined 0.5 deg: a state baseline, 12 hours, no alarm."""
        vessel = earth_vessel(session, actor)
        truth = ElementSetOrbit(orbits.parse_tle(*with_inclination(SETS["geo"], 0.5)))
        start = epoch_of("geo")
        times = [start, *every_interval(start, timedelta(hours=12))]
        rows = sensor_pass(session, actor, vessel, truth, times, seed=3)
        assert len(rows) == 73
        assert [r.number for r in rows if r.manoeuvre] == []

    def test_equatorial_low_orbit_state_taken(self, session: Session, actor: Actor) -> None:
        """A low orbit on the equator is SGP4's near-Earth theory: its state is a baseline."""
        vessel = earth_vessel(session, actor)
        truth = ElementSetOrbit(orbits.parse_tle(*with_inclination(SETS["leo"], 0.001)))
        start = epoch_of("leo")
        times = [start, *every_interval(start, timedelta(hours=6))]
        rows = sensor_pass(session, actor, vessel, truth, times, seed=4)
        assert [r.number for r in rows if r.manoeuvre] == []
