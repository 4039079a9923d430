"""Duty passes and visit authorizations: who issues them, for whom, and what each needs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from access.station import Station, build_station
from muster import clock
from muster.access.passes import issue_duty_pass, revoke_duty_pass
from muster.db import Database
from muster.errors import Forbidden, Invalid
from muster.people.enums import Affiliation
from muster.policy.actor import Actor

MakeClient = Callable[..., TestClient]
JOHN = Actor(kind="account", id="acc-john", name="John", roles=frozenset({"commander"}))
OFFICER = Actor(kind="account", id="acc-ken", name="Ken", roles=frozenset({"officer"}))


def window() -> tuple[Any, Any]:
    """A time window around now."""
    now = clock.now()
    return now - timedelta(minutes=5), now + timedelta(hours=1)


def span(hours: float = 1) -> dict[str, str]:
    """A window from now, as the API takes it."""
    now = clock.now()
    return {
        "valid_from": now.isoformat(),
        "valid_until": (now + timedelta(hours=hours)).isoformat(),
    }


@pytest.fixture
def built(db: Database) -> Station:
    """Ana (resident), Ken (crew), Mia (a medic) and Zane of the docked vessel, committed."""
    with db.session_scope() as session:
        station = build_station(session)
        station.add_person("Ana", Affiliation.RESIDENT)
        station.add_person("Ken", Affiliation.CREW)
        mia = station.add_person("Mia", Affiliation.CREW)
        mia.roles = ["medic"]
        station.add_person("Zane", Affiliation.VISITOR, party=station.vessel, zone="south_collar")
    return station


class TestDutyPasses:
    """The commander issues duty passes, to residents and crew, for a named duty."""

    def test_duty_pass_names_its_duty(self, station: Station) -> None:
        ana = station.add_person("Ana", Affiliation.RESIDENT)
        start, end = window()
        with pytest.raises(Invalid, match="name the duty"):
            issue_duty_pass(
                station.session,
                person_id=ana.id,
                purpose="  ",
                valid_from=start,
                valid_until=end,
                actor=JOHN,
            )

    @pytest.mark.parametrize("role", ["officer", "guard", "welfare"])
    def test_only_the_commander(self, make_client: MakeClient, built: Station, role: str) -> None:
        body = {"person": "Ana", "purpose": "hull inspection", **span()}
        refused = make_client(role).post("/api/v1/duty-passes", json=body)
        assert refused.status_code == 403, refused.text
        assert "duty_pass.issue" in refused.json()["detail"]

    def test_the_commander_issues_one(self, make_client: MakeClient, built: Station) -> None:
        body = {"person": "Ana", "purpose": "hull inspection", **span()}
        issued = make_client("commander").post("/api/v1/duty-passes", json=body)
        assert issued.status_code == 201, issued.text
        assert issued.json()["person_id"] == built.persons["Ana"].id

    def test_not_for_a_visitor(self, make_client: MakeClient, built: Station) -> None:
        body = {"person": "Zane", "purpose": "hull inspection", **span()}
        refused = make_client("commander").post("/api/v1/duty-passes", json=body)
        assert refused.status_code == 422, refused.text
        assert "visitors leave to their vessel" in refused.json()["detail"]

    def test_the_window_ends_after_it_starts(self, make_client: MakeClient, built: Station) -> None:
        body = {"person": "Ana", "purpose": "hull inspection", **span(-1)}
        refused = make_client("commander").post("/api/v1/duty-passes", json=body)
        assert refused.status_code == 422, refused.text
        assert "must end after it starts" in refused.json()["detail"]

    def test_revoking_is_the_commanders_too(self, station: Station) -> None:
        ana = station.add_person("Ana", Affiliation.RESIDENT)
        start, end = window()
        row = issue_duty_pass(
            station.session,
            person_id=ana.id,
            purpose="hull inspection",
            valid_from=start,
            valid_until=end,
            actor=JOHN,
        )
        with pytest.raises(Forbidden, match=r"duty_pass\.issue"):
            revoke_duty_pass(station.session, pass_id=row.id, actor=OFFICER)
        assert row.revoked_at is None
        assert revoke_duty_pass(station.session, pass_id=row.id, actor=JOHN).revoked_at


class TestVisits:
    """Command issues visits to visitors; a medic only as the hospital's host."""

    def visit(self, host: str = "Ken", person: str = "Zane", **extra: Any) -> dict[str, Any]:
        return {"person": person, "host": host, "purpose": "talks", **span(), **extra}

    def test_a_guard_may_not(self, make_client: MakeClient, built: Station) -> None:
        refused = make_client("guard").post("/api/v1/visits", json=self.visit())
        assert refused.status_code == 403, refused.text
        assert "visit.issue" in refused.json()["detail"]

    def test_an_officer_issues_one(self, make_client: MakeClient, built: Station) -> None:
        issued = make_client("officer").post("/api/v1/visits", json=self.visit())
        assert issued.status_code == 201, issued.text

    def test_only_for_visitors(self, make_client: MakeClient, built: Station) -> None:
        refused = make_client("officer").post("/api/v1/visits", json=self.visit(person="Ana"))
        assert refused.status_code == 422, refused.text
        assert "for visitors" in refused.json()["detail"]

    def test_a_medic_hosts_only_with_a_medic(self, make_client: MakeClient, built: Station) -> None:
        medic = make_client("medic")
        refused = medic.post("/api/v1/visits", json=self.visit(host="Ken"))
        assert refused.status_code == 403, refused.text
        assert "with a medic as the host" in refused.json()["detail"]
        assert medic.post("/api/v1/visits", json=self.visit(host="Mia")).status_code == 201

    def test_an_unknown_zone(self, make_client: MakeClient, built: Station) -> None:
        body = self.visit(zone_ids=["no-such-zone"])
        refused = make_client("officer").post("/api/v1/visits", json=body)
        assert refused.status_code == 404, refused.text
        assert "no-such-zone" in refused.json()["detail"]
