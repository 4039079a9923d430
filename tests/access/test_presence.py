"""Presence: who may say where a person is, the place each is in, and the head counts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from access.station import Station, build_station
from muster.access.presence import head_counts, record_headcount
from muster.db import Database
from muster.errors import Forbidden
from muster.events.models import Event
from muster.people.enums import Affiliation
from muster.policy.actor import Actor

DEVICE = Actor(kind="token", id="tok-reader", name="Reader", roles=frozenset({"device"}))


@pytest.fixture
def aboard(db: Database) -> Station:
    """The test station with Ana in the rings and Ken of unknown place, committed."""
    with db.session_scope() as session:
        station = build_station(session)
        station.add_person("Ana", Affiliation.RESIDENT)
        station.add_person("Ken", Affiliation.CREW, zone=None)
    return station


class TestSettingAPlace:
    """Officers record where they saw someone; guards and observers may not."""

    @pytest.mark.parametrize("role", ["guard", "observer", "medic"])
    def test_refused_below_officer(
        self, make_client: Callable[..., TestClient], aboard: Station, role: str
    ) -> None:
        body = {"person": "Ken", "zone_id": aboard.zones["south"].id, "reason": "seen"}
        response = make_client(role).post("/api/v1/presence", json=body)
        assert response.status_code == 403, response.text
        assert "presence.set" in response.json()["detail"]
        place = make_client("officer").get("/api/v1/presence/Ken").json()
        assert place["words"] == "unknown"

    def test_an_officer_places_someone(
        self, make_client: Callable[..., TestClient], aboard: Station, db: Database
    ) -> None:
        body = {"person": "Ken", "zone_id": aboard.zones["south"].id, "reason": "muster"}
        response = make_client("officer").post("/api/v1/presence", json=body)
        assert response.status_code == 200, response.text
        assert (response.json()["zone"], response.json()["aboard"]) == ("south", True)
        with db.session_scope(write=False) as session:
            kinds = session.scalars(select(Event.kind)).all()
        assert kinds.count("access.presence.set") == 1

    def test_an_unknown_zone(self, make_client: Callable[..., TestClient], aboard: Station) -> None:
        body = {"person": "Ken", "zone_id": "no-such-zone", "reason": "seen"}
        response = make_client("officer").post("/api/v1/presence", json=body)
        assert response.status_code == 404, response.text
        assert "list zones" in response.json()["detail"]

    def test_an_unknown_person(
        self, make_client: Callable[..., TestClient], aboard: Station
    ) -> None:
        body = {"person": "Nobody", "zone_id": aboard.zones["south"].id, "reason": "seen"}
        assert make_client("officer").post("/api/v1/presence", json=body).status_code == 404


class TestHeadCounts:
    """Head counts come from presence; a reader device may not read them."""

    def test_counts_by_affiliation(self, station: Station) -> None:
        station.add_person("Ana", Affiliation.RESIDENT)
        station.add_person("Ken", Affiliation.CREW)
        station.add_person("Lost", Affiliation.RESIDENT, zone=None)
        counts = head_counts(station.session)
        assert counts.by_affiliation == {"resident": 1, "crew": 1}
        assert counts.aboard == 2
        assert counts.unknown == 1
        assert counts.visitors_expected[station.vessel.id] == 4

    def test_over_http(self, make_client: Callable[..., TestClient], aboard: Station) -> None:
        counts = make_client("observer").get("/api/v1/presence")
        assert counts.status_code == 200, counts.text
        assert (counts.json()["aboard"], counts.json()["unknown"]) == (1, 1)

    def test_a_device_records_no_headcount(self, station: Station) -> None:
        station.add_person("Ana", Affiliation.RESIDENT)
        with pytest.raises(Forbidden, match=r"presence\.read"):
            record_headcount(station.session, checkpoint="after", actor=DEVICE)
        counts = record_headcount(station.session, checkpoint="after", actor=Actor.system("t"))
        assert counts["aboard"] == 1
