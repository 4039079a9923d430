"""Roll calls: who starts one, who marks, refusals; everyone's last place, the dead left out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from access.station import Station, build_station
from harness.checkpoints import sign_now, verify_carried
from muster.access.presence import place_of
from muster.access.rollcall import last_places, mark_accounted, rollcall_report, start_rollcall
from muster.db import Database
from muster.errors import Conflict
from muster.people.enums import Affiliation, PersonStatus
from muster.policy.actor import Actor

GUARD = Actor(kind="account", id="acc-guard", name="Guard", roles=frozenset({"guard"}))
OFFICER = Actor(kind="account", id="acc-officer", name="Officer", roles=frozenset({"officer"}))


@pytest.fixture
def aboard(db: Database) -> Station:
    """The test station with Ana and Ken aboard, committed."""
    with db.session_scope() as session:
        station = build_station(session)
        station.add_person("Ana", Affiliation.RESIDENT)
        station.add_person("Ken", Affiliation.CREW)
    return station


class TestRollCall:
    """Everyone alive is unaccounted for until a post marks them."""

    def test_marks(self, station: Station) -> None:
        station.add_person("Ana", Affiliation.RESIDENT)
        station.add_person("Ken", Affiliation.CREW)
        start_rollcall(station.session, reason="after the West airlock", actor=OFFICER)
        assert station.post is not None
        mark_accounted(station.session, person_ref="Ana", post_id=station.post.id, actor=GUARD)
        report = rollcall_report(station.session)
        assert (report.registered, report.accounted, report.unaccounted) == (2, 1, 1)
        assert [e.name for e in report.unaccounted_persons] == ["Ken"]
        assert place_of(station.session, station.persons["Ana"].id).zone_name == "south"

    def test_marked_twice(self, station: Station) -> None:
        station.add_person("Ana", Affiliation.RESIDENT)
        start_rollcall(station.session, reason="drill", actor=OFFICER)
        assert station.post is not None
        mark_accounted(station.session, person_ref="Ana", post_id=station.post.id, actor=GUARD)
        with pytest.raises(Conflict):
            mark_accounted(station.session, person_ref="Ana", post_id=station.post.id, actor=GUARD)


class TestOverHttp:
    """Officers start a roll call, guards mark; each refusal says what to do instead."""

    def test_a_guard_may_not_start_one(
        self, make_client: Callable[..., TestClient], aboard: Station
    ) -> None:
        response = make_client("guard").post("/api/v1/rollcalls", json={"reason": "drill"})
        assert response.status_code == 403, response.text
        assert "rollcall.manage" in response.json()["detail"]
        assert make_client("officer").get("/api/v1/rollcall").json()["rollcall_id"] is None

    def test_an_officer_starts_and_a_guard_marks(
        self, make_client: Callable[..., TestClient], aboard: Station
    ) -> None:
        started = make_client("officer").post("/api/v1/rollcalls", json={"reason": "drill"})
        assert started.status_code == 201, started.text
        assert (started.json()["registered"], started.json()["unaccounted"]) == (2, 2)
        assert aboard.post is not None
        mark = make_client("guard").post(
            "/api/v1/rollcall/marks", json={"person": "Ana", "post": aboard.post.id}
        )
        assert mark.status_code == 201, mark.text
        report = make_client("observer").get("/api/v1/rollcall").json()
        assert [p["name"] for p in report["unaccounted_persons"]] == ["Ken"]

    def test_the_report_carries_a_checkpoint_that_verifies(
        self,
        make_client: Callable[..., TestClient],
        aboard: Station,
        db: Database,
        signing_key: Path,
    ) -> None:
        """None before the first checkpoint; then the newest, which verifies."""
        officer = make_client("officer")
        assert officer.get("/api/v1/rollcall").json()["record_checkpoint"] is None
        signed = sign_now(db, signing_key)
        started = officer.post("/api/v1/rollcalls", json={"reason": "drill"}).json()
        assert started["record_checkpoint"] == signed.to_dict()
        report = make_client("observer").get("/api/v1/rollcall").json()
        assert report["record_checkpoint"] == signed.to_dict()
        result = verify_carried(signing_key, report["record_checkpoint"])
        assert result.exit_code == 0, result.output

    def test_a_blank_reason_is_refused(
        self, make_client: Callable[..., TestClient], aboard: Station
    ) -> None:
        response = make_client("officer").post("/api/v1/rollcalls", json={"reason": "  "})
        assert response.status_code == 422, response.text
        assert "reason" in response.json()["detail"]

    def test_no_mark_without_an_open_roll_call(
        self, make_client: Callable[..., TestClient], aboard: Station
    ) -> None:
        assert aboard.post is not None
        response = make_client("guard").post(
            "/api/v1/rollcall/marks", json={"person": "Ana", "post": aboard.post.id}
        )
        assert response.status_code == 409, response.text
        assert "start one first" in response.json()["detail"]

    def test_a_mark_at_an_unknown_post(
        self, make_client: Callable[..., TestClient], aboard: Station
    ) -> None:
        make_client("officer").post("/api/v1/rollcalls", json={"reason": "drill"})
        response = make_client("guard").post(
            "/api/v1/rollcall/marks", json={"person": "Ana", "post": "Nowhere post"}
        )
        assert response.status_code == 404, response.text
        assert "Nowhere post" in response.json()["detail"]


def test_last_places(station: Station) -> None:
    station.add_person("Ana", Affiliation.RESIDENT, zone="south")
    station.add_person("Ken", Affiliation.CREW, zone=None)
    station.add_person("Zane", Affiliation.VISITOR, party=station.vessel, zone="rings")
    station.add_person("Fallen", Affiliation.RESIDENT, status=PersonStatus.DECEASED)
    start_rollcall(station.session, reason="drill", actor=OFFICER)
    assert station.post is not None
    mark_accounted(station.session, person_ref="Zane", post_id=station.post.id, actor=GUARD)
    places = {p.name: p for p in last_places(station.session, batch=2)}
    assert sorted(places) == ["Ana", "Ken", "Zane"]
    assert (places["Ana"].zone_name, places["Ana"].zone_kind) == ("south", "internal")
    assert places["Ana"].affiliation == "resident"
    assert places["Ana"].marked_at_post_id is None
    assert places["Ken"].zone_id is None
    assert places["Ken"].zone_name is None
    assert places["Zane"].marked_at_post_id == station.post.id
    assert places["Zane"].zone_id is not None  # moved to the post's zone by the mark
