"""The vessel, asset and map API: shapes, SVG, and who may see the asset board (Cedar)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import numpy as np
from fastapi.testclient import TestClient

from muster.agreements.enums import TermStatus
from muster.agreements.models import AgreementTerm
from muster.db import Database
from muster.policy.actor import Actor
from muster.vessels import orbits
from muster.vessels.detection import Accuracy
from muster.vessels.sensor import Burn, ElementSetOrbit, TrueOrbit, observe, schedule

from .station import START, build_station, orbit_term

# The ISS element set of the sgp4 package's README (epoch 2019 December 9).
ISS = (
    "1 25544U 98067A   19343.69339541  .00001764  00000-0  38792-4 0  9991",
    "2 25544  51.6439 211.2001 0007417  17.6667  85.6398 15.50103472202482",
)
# XM-3 of the SGP4 verification set: geostationary, inclination 0.002 deg.
XM3 = (
    "1 28626U 05008A   06176.46683397 -.00000205  00000-0  10000-3 0  2190",
    "2 28626   0.0019 286.9433 0000335  13.7918  55.6504  1.00270176  4891",
)


def state_body(truth: TrueOrbit, at: datetime) -> dict[str, object]:
    """The JSON of a noiseless state observation."""
    r, v = truth.state_at(at)
    return {
        "kind": "state",
        "observed_at": at.isoformat(),
        "position_km": [float(x) for x in r],
        "velocity_km_s": [float(x) for x in v],
        "source": "radar",
    }


class TestVesselApi:
    """A sensor feeds observations; the watch answers with the comparison and draws the tracks."""

    def test_watch_flow(self, make_client: Callable[..., TestClient]) -> None:
        officer = make_client("officer")
        sensor = make_client("device")
        created = officer.post("/api/v1/vessels", json={"name": "Visitor", "body": "venus"})
        assert created.status_code == 201, created.text
        vid = created.json()["id"]
        times = schedule(START + timedelta(hours=1), 5, 600)
        truth = TrueOrbit("venus", 400, 10, START, Burn(times[4], prograde=0.01))
        answers = []
        for at in times:
            reply = sensor.post(f"/api/v1/vessels/{vid}/observations", json=state_body(truth, at))
            assert reply.status_code == 201, reply.text
            answers.append(reply.json())
        assert [a["manoeuvre"] for a in answers] == [False, False, False, False, True]
        assert officer.get(f"/api/v1/vessels/{vid}").json()["status"] == "manoeuvre"
        page = officer.get(f"/api/v1/vessels/{vid}/observations").json()
        assert page["total"] == 5
        svg = officer.get(f"/api/v1/vessels/{vid}/tracks.svg")
        assert svg.headers["content-type"].startswith("image/svg+xml")
        assert svg.text.count('class="observation') == 5
        assert 'class="observation manoeuvre"' in svg.text
        at = (times[-1] + timedelta(minutes=5)).isoformat()
        predicted = officer.get(f"/api/v1/vessels/{vid}/prediction", params={"at": at})
        assert predicted.status_code == 200, predicted.text
        assert predicted.json()["from_observation_id"] == answers[3]["id"]
        reset = officer.post(f"/api/v1/vessels/{vid}/baseline", json={"reason": "reviewed"})
        assert reset.json()["status"] == "watching"

    def test_sensor_may_not_register_and_guard_may_not_observe(
        self, make_client: Callable[..., TestClient]
    ) -> None:
        assert make_client("device").post("/api/v1/vessels", json={"name": "X"}).status_code == 403
        vid = make_client("officer").post("/api/v1/vessels", json={"name": "X"}).json()["id"]
        body = {"kind": "tle", "tle_line1": "1 x", "tle_line2": "2 x"}
        guard = make_client("guard")
        assert guard.post(f"/api/v1/vessels/{vid}/observations", json=body).status_code == 403

    def test_incomplete_observation_refused(self, client: TestClient) -> None:
        vid = client.post("/api/v1/vessels", json={"name": "X"}).json()["id"]
        reply = client.post(f"/api/v1/vessels/{vid}/observations", json={"kind": "state"})
        assert reply.status_code == 422


def noisy_body(r: np.ndarray, v: np.ndarray, at: datetime) -> dict[str, object]:
    """The JSON of a state observation."""
    return {
        "kind": "state",
        "observed_at": at.isoformat(),
        "position_km": [float(x) for x in r],
        "velocity_km_s": [float(x) for x in v],
        "source": "radar",
    }


class TestNoFalseAlarm:
    """SGP4's own states of the ISS, with sensor noise and no burn, breach nothing."""

    def test_iss_states_do_not_breach_the_orbit_term(
        self, db: Database, make_client: Callable[..., TestClient]
    ) -> None:
        with db.session_scope() as session:
            build_station(session, Actor.system("test"))
            term_id = orbit_term(session, Actor.system("test"))
        officer, sensor = make_client("officer"), make_client("device")
        created = officer.post(
            "/api/v1/vessels", json={"name": "Visitor", "agreement_term_id": term_id}
        )
        vid = created.json()["id"]
        truth = ElementSetOrbit(orbits.parse_tle(*ISS))
        start = orbits.tle_epoch(truth.sat)
        rng = np.random.default_rng(16)
        answers = []
        for k in range(0, 12 * 6 + 1):  # twelve hours, every ten minutes
            at = start + timedelta(minutes=10 * k)
            r, v = observe(truth, at, Accuracy(), rng)
            reply = sensor.post(f"/api/v1/vessels/{vid}/observations", json=noisy_body(r, v, at))
            assert reply.status_code == 201, reply.text
            answers.append(reply.json())
        assert [a["number"] for a in answers if a["manoeuvre"]] == []
        assert all(a["test_statistic"] < a["test_threshold"] for a in answers[1:])
        assert officer.get(f"/api/v1/vessels/{vid}").json()["status"] == "watching"
        with db.session_scope(write=False) as session:
            term = session.get(AgreementTerm, term_id)
            assert term is not None
            assert term.status != TermStatus.BREACHED


class TestRefusedInput:
    """A garbled element set and an observation from the future are refused with 422."""

    def test_checksum_failure_refused(self, client: TestClient) -> None:
        vid = client.post("/api/v1/vessels", json={"name": "X"}).json()["id"]
        garbled = ISS[1][:19] + "8" + ISS[1][20:]  # the node read as 218.2 deg, not 211.2
        body = {"kind": "tle", "tle_line1": ISS[0], "tle_line2": garbled}
        reply = client.post(f"/api/v1/vessels/{vid}/observations", json=body)
        assert reply.status_code == 422, reply.text
        assert "checksum" in reply.text
        assert client.get(f"/api/v1/vessels/{vid}/observations").json()["total"] == 0

    def test_future_observation_refused(self, make_client: Callable[..., TestClient]) -> None:
        vid = make_client("officer").post("/api/v1/vessels", json={"name": "X"}).json()["id"]
        truth = TrueOrbit("earth", 400, 30, datetime.now(UTC))
        at = datetime.now(UTC) + timedelta(minutes=5)
        reply = make_client("device").post(
            f"/api/v1/vessels/{vid}/observations", json=state_body(truth, at)
        )
        assert reply.status_code == 422, reply.text
        assert "ahead of the station clock" in reply.text

    def test_geostationary_state_baseline_refused(
        self, make_client: Callable[..., TestClient]
    ) -> None:
        """A state of a geostationary vessel is no baseline (the watch would false-alarm
        within hours); its element set is, and the same state then matches it."""
        officer, sensor = make_client("officer"), make_client("device")
        vid = officer.post("/api/v1/vessels", json={"name": "X"}).json()["id"]
        truth = ElementSetOrbit(orbits.parse_tle(*XM3))
        at = orbits.tle_epoch(truth.sat) + timedelta(minutes=10)
        url = f"/api/v1/vessels/{vid}/observations"
        state = noisy_body(*observe(truth, at, Accuracy(), np.random.default_rng(3)), at)
        reply = sensor.post(url, json=state)
        assert reply.status_code == 422, reply.text
        assert "within 0.1 deg of the equator" in reply.text
        assert "element set (kind tle) as the baseline" in reply.text
        assert officer.get(url).json()["total"] == 0
        body = {"kind": "tle", "tle_line1": XM3[0], "tle_line2": XM3[1]}
        assert sensor.post(url, json=body).status_code == 201
        matched = sensor.post(url, json=state)
        assert matched.status_code == 201, matched.text
        assert matched.json()["manoeuvre"] is False


class TestMapApi:
    """The map is served as a graph, as SVG, with routes and the nearest officers."""

    def test_map_routes_and_nearest(
        self, db: Database, make_client: Callable[..., TestClient]
    ) -> None:
        with db.session_scope() as session:
            station = build_station(session, Actor.system("test"))
        guard = make_client("guard")
        graph = guard.get("/api/v1/map").json()
        assert len(graph["zones"]) == len(station.zones)
        assert {p["name"] for p in graph["portals"] if p["kind"] == "airlock"} == {
            "South airlock",
            "West airlock",
        }
        svg = guard.get("/api/v1/map/svg")
        assert svg.headers["content-type"].startswith("image/svg+xml")
        assert "West airlock" in svg.text
        route = guard.get("/api/v1/map/route", params={"from": "Hospital", "to": "South collar"})
        assert route.json()["portals"] == ["Hospital door", "South corridor door", "South airlock"]
        nearest = guard.get("/api/v1/map/nearest", params={"zone": "West corridor"}).json()
        assert [p["name"] for p in nearest["people"]] == ["Dominic", "Ken"]

    def test_walk_needs_map_manage(
        self, db: Database, make_client: Callable[..., TestClient]
    ) -> None:
        with db.session_scope() as session:
            station = build_station(session, Actor.system("test"))
        path = f"/api/v1/map/portals/{station.portals['Service duct']}/walk"
        body = {"seconds": 20, "closed": True, "note": "debris"}
        assert make_client("guard").put(path, json=body).status_code == 403
        reply = make_client("engineer").put(path, json=body)
        assert reply.status_code == 200, reply.text
        assert reply.json()["passable"] is False
        assert np.isclose(reply.json()["seconds"], 20)
