"""The vessel watch: observations compared with predictions, manoeuvres raise the alarm."""

from __future__ import annotations

import uuid
from datetime import timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from muster import clock
from muster.agreements.enums import TermKind
from muster.errors import Invalid, NotFound
from muster.policy.actor import Actor
from muster.vessels import orbits, service
from muster.vessels.enums import ObservationKind, VesselStatus
from muster.vessels.schemas import ObservationCreate
from muster.vessels.sensor import Burn, TrueOrbit, schedule

from .station import START, alarms, build_station, feed, orbit_term, state_observation, watch

INTERVAL = 600.0
BURN_M_S = 5.0
PROPERTY = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


class TestNoise:
    """Observations that err only within the sensor's stated accuracy never raise the alarm."""

    @PROPERTY
    @given(
        seed=st.integers(0, 2**32 - 1),
        inclination=st.floats(0.0, 170.0),
        altitude=st.floats(250.0, 2000.0),
    )
    def test_no_alarm_on_noise(
        self, session: Session, actor: Actor, seed: int, inclination: float, altitude: float
    ) -> None:
        vessel = watch(session, actor, name=f"v-{uuid.uuid4().hex[:8]}")
        truth = TrueOrbit("venus", altitude, inclination, START)
        times = schedule(START + timedelta(hours=2), 12, INTERVAL)
        rows = feed(session, actor, vessel, truth, times, np.random.default_rng(seed))
        assert [r.reasons for r in rows if r.manoeuvre] == []
        assert vessel.status == VesselStatus.WATCHING
        assert all(r.chi_square is not None for r in rows[1:])


class TestBurn:
    """A burn of 5 m/s in any direction is caught within two observations."""

    @PROPERTY
    @given(
        seed=st.integers(0, 2**32 - 1),
        direction=st.tuples(*(st.floats(-1.0, 1.0) for _ in range(3))).filter(
            lambda d: float(np.linalg.norm(d)) > 0.1
        ),
    )
    def test_burn_caught(
        self, session: Session, actor: Actor, seed: int, direction: tuple[float, float, float]
    ) -> None:
        vessel = watch(session, actor, name=f"v-{uuid.uuid4().hex[:8]}")
        times = schedule(START + timedelta(hours=2), 10, INTERVAL)
        unit = np.asarray(direction) / np.linalg.norm(direction) * BURN_M_S / 1000.0
        burn = Burn(times[5] - timedelta(seconds=60), *(float(x) for x in unit))
        truth = TrueOrbit("venus", 400.0, 30.0, START, burn)
        rows = feed(session, actor, vessel, truth, times, np.random.default_rng(seed))
        flags = [r.manoeuvre for r in rows]
        assert not any(flags[:5])
        assert any(flags[5:7])
        assert vessel.status == VesselStatus.MANOEUVRE

    def test_alarm_raised_once_with_evidence(self, session: Session, actor: Actor) -> None:
        vessel = watch(session, actor)
        times = schedule(START + timedelta(hours=2), 8, INTERVAL)
        truth = TrueOrbit("venus", 400.0, 30.0, START, Burn(times[4], prograde=0.005))
        rows = feed(session, actor, vessel, truth, times, np.random.default_rng(3))
        found = alarms(session)
        assert len(found) == 1
        assert found[0].payload["observation"] == rows[4].number
        assert any("chi-square" in reason for reason in found[0].payload["reasons"])
        test = found[0].payload["test"]
        assert test["statistic"] > test["threshold"]
        assert test["false_alarm_probability"] == vessel.false_alarm_probability
        assert vessel.id in found[0].subjects

    def test_flagged_observation_is_not_the_next_reference(
        self, session: Session, actor: Actor
    ) -> None:
        vessel = watch(session, actor)
        times = schedule(START + timedelta(hours=1), 5, INTERVAL)
        truth = TrueOrbit("venus", 400.0, 0.0, START, Burn(times[3], prograde=0.02))
        rows = feed(session, actor, vessel, truth, times, np.random.default_rng(4))
        assert vessel.reference_observation_id == rows[2].id
        assert vessel.baseline_observation_id == rows[0].id


class TestBaseline:
    """Setting the baseline again, after review, ends the alarm state and needs a reason."""

    def test_rebaseline(self, session: Session, actor: Actor) -> None:
        vessel = watch(session, actor)
        times = schedule(START + timedelta(hours=1), 6, INTERVAL)
        truth = TrueOrbit("venus", 400.0, 0.0, START, Burn(times[3], prograde=0.02))
        feed(session, actor, vessel, truth, times[:4], np.random.default_rng(5))
        assert vessel.status == VesselStatus.MANOEUVRE
        with pytest.raises(Invalid, match="reason"):
            service.set_baseline(
                session, vessel_id=vessel.id, observation_id=None, reason=" ", actor=actor
            )
        service.set_baseline(
            session, vessel_id=vessel.id, observation_id=None, reason="burn agreed", actor=actor
        )
        rows = feed(session, actor, vessel, truth, times[4:], np.random.default_rng(6))
        assert vessel.status == VesselStatus.WATCHING
        assert not any(r.manoeuvre for r in rows)

    def test_prediction_needs_an_observation(self, session: Session, actor: Actor) -> None:
        vessel = watch(session, actor)
        with pytest.raises(NotFound, match="no observation"):
            service.predict(session, vessel_id=vessel.id, at=START)


class TestAgreementTerm:
    """A vessel is linked only to a term the watch can prove, and one that exists."""

    def test_a_term_the_watch_cannot_prove_is_refused(self, session: Session, actor: Actor) -> None:
        """Linking a consent term would make every alarm's breach fail: refused at the link."""
        build_station(session, actor)
        term_id = orbit_term(session, actor, kind=TermKind.CONSENT)
        with pytest.raises(Invalid, match="orbit or general"):
            watch(session, actor, agreement_term_id=term_id)

    def test_unknown_term_refused(self, session: Session, actor: Actor) -> None:
        with pytest.raises(NotFound, match="agreement term"):
            watch(session, actor, agreement_term_id="no-such-term")


class TestObservations:
    """Observations are checked: units, body, and what an element set can describe."""

    def test_position_inside_the_body_refused(self, session: Session, actor: Actor) -> None:
        vessel = watch(session, actor)
        data = state_observation(np.array([6000.0, 0, 0]), np.array([0, 7.0, 0]), START)
        with pytest.raises(Invalid, match="inside the central body"):
            service.record_observation(session, vessel_id=vessel.id, data=data, actor=actor)

    def test_element_set_only_for_earth(self, session: Session, actor: Actor) -> None:
        vessel = watch(session, actor)
        data = ObservationCreate(kind=ObservationKind.TLE, tle_line1="1 x", tle_line2="2 x")
        with pytest.raises(Invalid, match="Earth orbit"):
            service.record_observation(session, vessel_id=vessel.id, data=data, actor=actor)

    def test_future_observation_refused(self, session: Session, actor: Actor) -> None:
        vessel = watch(session, actor)
        truth = TrueOrbit("venus", 400.0, 30.0, START)
        with clock.frozen_at(START):
            ahead = START + timedelta(seconds=61)
            data = state_observation(*truth.state_at(ahead), ahead)
            with pytest.raises(Invalid, match="61 s ahead of the station clock"):
                service.record_observation(session, vessel_id=vessel.id, data=data, actor=actor)
            within = START + timedelta(seconds=59)
            data = state_observation(*truth.state_at(within), within)
            service.record_observation(session, vessel_id=vessel.id, data=data, actor=actor)

    def test_element_set_from_the_future_refused(self, session: Session, actor: Actor) -> None:
        """An element set whose epoch is more than a minute ahead of the clock is refused."""
        vessel = watch(session, actor, body="earth")
        iss = (
            "1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927",
            "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537",
        )
        data = ObservationCreate(kind=ObservationKind.TLE, tle_line1=iss[0], tle_line2=iss[1])
        epoch = orbits.tle_epoch(orbits.parse_tle(*iss))
        refused = pytest.raises(Invalid, match=r"element set's epoch .* 300 s ahead of the station")
        with clock.frozen_at(epoch - timedelta(minutes=5)), refused:
            service.record_observation(session, vessel_id=vessel.id, data=data, actor=actor)
        assert service.list_observations(session, vessel_id=vessel.id)[1] == 0
        with clock.frozen_at(epoch - timedelta(seconds=30)):
            service.record_observation(session, vessel_id=vessel.id, data=data, actor=actor)

    def test_element_sets_compared_by_sgp4(self, session: Session, actor: Actor) -> None:
        vessel = watch(session, actor, body="earth")
        iss = (
            "1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927",
            "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537",
        )
        raised = (iss[0], iss[1].replace("15.72125391563537", "15.70125391563535"))
        for line1, line2 in (iss, iss, raised):
            data = ObservationCreate(kind=ObservationKind.TLE, tle_line1=line1, tle_line2=line2)
            row = service.record_observation(session, vessel_id=vessel.id, data=data, actor=actor)
        rows, total = service.list_observations(session, vessel_id=vessel.id)
        assert total == 3
        assert rows[1].position_error_km == pytest.approx(0.0, abs=1e-9)
        assert not rows[1].manoeuvre
        assert row.manoeuvre
        assert row.delta_a_km is not None
        assert row.delta_a_km > 2.0
