"""Incident command roles: who may hold them, and who may give them, on every path."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from incidents.conftest import declare_over_http
from muster import clock
from muster.db import Database
from muster.errors import Forbidden
from muster.incidents.scenario_actions import RoleArgs, assign
from muster.incidents.schemas import IncidentCreate
from muster.incidents.service import declare_incident
from muster.people.enums import Affiliation, PersonStatus
from muster.people.schemas import PersonCreate
from muster.people.service import create_person
from muster.policy.actor import Actor
from muster.scenario.actions import ActionContext

MakeClient = Callable[..., TestClient]
OBSERVER = Actor(kind="account", id="acct-obs", name="Olga", roles=frozenset({"observer"}))


def _person(db: Database, name: str, affiliation: Affiliation, **extra: object) -> str:
    with db.session_scope() as s:
        data = PersonCreate(name=name, affiliation=affiliation, **extra)  # type: ignore[arg-type]
        return create_person(s, data=data, actor=Actor.system("t")).id


class TestWhoMayHoldARole:
    """The dead and the visiting party are refused liaison, medical lead or any other role."""

    @pytest.mark.parametrize("role", ["liaison", "medical_lead"])
    def test_deceased_refused(self, db: Database, make_client: MakeClient, role: str) -> None:
        """A person recorded as deceased cannot be made liaison or medical lead (409)."""
        commander = make_client("commander")
        iid = declare_over_http(commander, _person(db, "John", Affiliation.CREW))
        dead = _person(db, "Viktor", Affiliation.CREW, status=PersonStatus.DECEASED)
        answer = commander.post(
            f"/api/v1/incidents/{iid}/roles", json={"role": role, "person_id": dead}
        )
        assert answer.status_code == 409, answer.text
        assert "deceased" in answer.json()["detail"]
        assert commander.get(f"/api/v1/incidents/{iid}/roles?current=true").json()[1:] == []

    @pytest.mark.parametrize("role", ["liaison", "medical_lead"])
    def test_visitor_refused(self, db: Database, make_client: MakeClient, role: str) -> None:
        """A member of the visiting party cannot be made liaison or medical lead (409)."""
        commander = make_client("commander")
        iid = declare_over_http(commander, _person(db, "John", Affiliation.CREW))
        surgeon = _person(db, "Visiting surgeon", Affiliation.VISITOR, roles=["medic"])
        answer = commander.post(
            f"/api/v1/incidents/{iid}/roles", json={"role": role, "person_id": surgeon}
        )
        assert answer.status_code == 409, answer.text
        assert "visiting party" in answer.json()["detail"]

    def test_station_medic_accepted(self, db: Database, make_client: MakeClient) -> None:
        """A living member of the station's staff takes the medical lead."""
        commander = make_client("commander")
        iid = declare_over_http(commander, _person(db, "John", Affiliation.CREW))
        maria = _person(db, "Maria", Affiliation.CREW, roles=["medic"])
        answer = commander.post(
            f"/api/v1/incidents/{iid}/roles", json={"role": "medical_lead", "person_id": maria}
        )
        assert answer.status_code == 201, answer.text

    def test_visitor_may_not_command(self, db: Database, make_client: MakeClient) -> None:
        """An incident declared with a visitor as its commander is refused."""
        commander = make_client("commander")
        visitor = _person(db, "Warrior One", Affiliation.VISITOR)
        answer = commander.post(
            "/api/v1/incidents",
            json={
                "title": "West airlock",
                "kind": "security",
                "severity": "critical",
                "location": "West airlock",
                "commander_id": visitor,
            },
        )
        assert answer.status_code == 409, answer.text


class TestWhoMayGiveARole:
    """Giving a role is authorized by the use case itself, before anything is looked up."""

    def test_observer_refused_before_lookup(self, make_client: MakeClient) -> None:
        """An observer gets 403 even for an incident that does not exist (no name leaks)."""
        observer = make_client("observer")
        answer = observer.post(
            "/api/v1/incidents/no-such-incident/roles",
            json={"role": "liaison", "person_id": "no-such-person"},
        )
        assert answer.status_code == 403, answer.text

    def test_scenario_action_authorized_by_the_service(
        self, session: Session, actor: Actor
    ) -> None:
        """The exercise action refuses an observer, with no permission check of its own."""
        data = IncidentCreate(
            title="West airlock",
            kind="security",
            severity="critical",  # type: ignore[arg-type]
            location="West airlock",
            commander_id=create_person(
                session, data=PersonCreate(name="John", affiliation=Affiliation.CREW), actor=actor
            ).id,
        )
        declare_incident(session, data=data, actor=actor)
        ctx = ActionContext(session=session, actor=OBSERVER, at=clock.now())
        args = RoleArgs(incident="West airlock", role="scribe", person="John")  # type: ignore[arg-type]
        with pytest.raises(Forbidden):
            assign(ctx, args)
