"""The incident record: declaring, command handover, tasks; a closed incident refuses change."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from muster import clock
from muster.db import Database
from muster.errors import Conflict, Invalid
from muster.incidents.enums import CommandRole, IncidentStatus, Severity, TaskStatus
from muster.incidents.models import Incident
from muster.incidents.schemas import IncidentCreate, IncidentUpdate, TaskCreate, TaskUpdate
from muster.incidents.service import (
    add_task,
    assign_role,
    declare_incident,
    list_roles,
    list_tasks,
    update_incident,
    update_task,
)
from muster.people.enums import Affiliation
from muster.people.models import Person
from muster.people.schemas import PersonCreate
from muster.people.service import create_person
from muster.policy.actor import Actor

MakePerson = Callable[..., Person]
MakeClient = Callable[..., TestClient]


@pytest.fixture
def john(make_person: MakePerson) -> Person:
    """The station leader."""
    return make_person("John")


@pytest.fixture
def incident(session: Session, actor: Actor, john: Person) -> Incident:
    """The West airlock incident, commanded by John."""
    data = IncidentCreate(
        title="West airlock confrontation",
        kind="security",
        severity=Severity.CRITICAL,
        location="West airlock",
        commander_id=john.id,
    )
    return declare_incident(session, data=data, actor=actor)


class TestCommand:
    """Command roles are handed over, never overwritten."""

    def test_commander_holds_role_from_declaration(
        self, session: Session, incident: Incident, john: Person
    ) -> None:
        """Declaring gives the commander the incident commander's role."""
        roles = list_roles(session, incident_id=incident.id, current_only=True)
        assert [(r.role, r.person_id) for r in roles] == [(CommandRole.INCIDENT_COMMANDER, john.id)]

    def test_handover_ends_previous_holder(
        self, session: Session, actor: Actor, incident: Incident, make_person: MakePerson
    ) -> None:
        """A new site officer takes over at the same site; another site keeps its own."""
        dominic, ken = make_person("Dominic"), make_person("Ken")
        first = assign_role(
            session,
            incident_id=incident.id,
            role=CommandRole.SITE_OFFICER,
            person_id=dominic.id,
            site="West airlock",
            actor=actor,
        )
        assign_role(
            session,
            incident_id=incident.id,
            role=CommandRole.SITE_OFFICER,
            person_id=ken.id,
            site="West airlock",
            actor=actor,
        )
        assert first.ended_at is not None
        current = list_roles(session, incident_id=incident.id, current_only=True)
        assert {r.person_id for r in current if r.role is CommandRole.SITE_OFFICER} == {ken.id}
        with pytest.raises(Invalid):
            assign_role(
                session,
                incident_id=incident.id,
                role=CommandRole.SITE_OFFICER,
                person_id=dominic.id,
                actor=actor,
            )

    def test_commander_handover_updates_incident(
        self, session: Session, actor: Actor, incident: Incident, make_person: MakePerson
    ) -> None:
        """Handing over command changes the incident's commander."""
        dominic = make_person("Dominic")
        assign_role(
            session,
            incident_id=incident.id,
            role=CommandRole.INCIDENT_COMMANDER,
            person_id=dominic.id,
            actor=actor,
        )
        assert incident.commander_id == dominic.id

    def test_closed_incident_refuses_changes(
        self, session: Session, actor: Actor, incident: Incident
    ) -> None:
        """A closed incident takes no new tasks until it is reopened."""
        update_incident(
            session,
            incident_id=incident.id,
            data=IncidentUpdate(status=IncidentStatus.CLOSED),
            actor=actor,
        )
        assert incident.closed_at is not None
        with pytest.raises(Conflict):
            add_task(session, incident_id=incident.id, data=TaskCreate(title="x"), actor=actor)


class TestTasks:
    """Tasks have owners and due times, and are listed soonest due first."""

    def test_order_and_completion(
        self, session: Session, actor: Actor, incident: Incident, john: Person
    ) -> None:
        """The sooner task comes first; completing one records when."""
        now = clock.now()
        later = add_task(
            session,
            incident_id=incident.id,
            data=TaskCreate(title="Shields", owner_id=john.id, due_at=now + timedelta(hours=3)),
            actor=actor,
        )
        sooner = add_task(
            session,
            incident_id=incident.id,
            data=TaskCreate(title="Weapons to posts", due_at=now + timedelta(hours=1)),
            actor=actor,
        )
        assert [t.id for t in list_tasks(session, incident_id=incident.id)] == [sooner.id, later.id]
        update_task(
            session,
            incident_id=incident.id,
            task_id=sooner.id,
            data=TaskUpdate(status=TaskStatus.DONE),
            actor=actor,
        )
        assert sooner.completed_at is not None
        assert list_tasks(session, incident_id=incident.id, status=TaskStatus.OPEN) == [later]


class TestOverHttp:
    """Command declares and changes incidents; responders add tasks; each refusal says why."""

    @pytest.fixture
    def commander_id(self, db: Database, actor: Actor) -> str:
        """John, crew, committed; his id."""
        with db.session_scope() as session:
            data = PersonCreate(name="John", affiliation=Affiliation.CREW)
            return create_person(session, data=data, actor=actor).id

    def declaration(self, commander_id: str) -> dict[str, str]:
        return {
            "title": "West airlock confrontation",
            "kind": "security",
            "severity": "critical",
            "location": "West airlock",
            "commander_id": commander_id,
        }

    @pytest.mark.parametrize("role", ["guard", "medic", "observer"])
    def test_only_command_declares(
        self, make_client: MakeClient, commander_id: str, role: str
    ) -> None:
        refused = make_client(role).post("/api/v1/incidents", json=self.declaration(commander_id))
        assert refused.status_code == 403, refused.text
        assert "incident.declare" in refused.json()["detail"]
        assert make_client("officer").get("/api/v1/incidents").json()["total"] == 0

    def test_an_unknown_commander(self, make_client: MakeClient, commander_id: str) -> None:
        refused = make_client("officer").post("/api/v1/incidents", json=self.declaration("nope"))
        assert refused.status_code == 404, refused.text

    def test_a_guard_adds_a_task_but_does_not_close_it(
        self, make_client: MakeClient, commander_id: str
    ) -> None:
        officer, guard = make_client("officer"), make_client("guard")
        incident = officer.post("/api/v1/incidents", json=self.declaration(commander_id)).json()
        url = f"/api/v1/incidents/{incident['id']}"
        assert guard.post(f"{url}/tasks", json={"title": "Seal the collar"}).status_code == 201
        refused = guard.patch(url, json={"status": "closed"})
        assert refused.status_code == 403, refused.text
        assert "incident.command" in refused.json()["detail"]
        assert officer.patch(url, json={"status": "closed"}).json()["status"] == "closed"
        closed = guard.post(f"{url}/tasks", json={"title": "Count the wounded"})
        assert closed.status_code == 409, closed.text
        assert "reopen it" in closed.json()["detail"]

    def test_a_due_time_needs_its_zone(self, make_client: MakeClient, commander_id: str) -> None:
        officer = make_client("officer")
        incident = officer.post("/api/v1/incidents", json=self.declaration(commander_id)).json()
        refused = officer.post(
            f"/api/v1/incidents/{incident['id']}/tasks",
            json={"title": "Seal the collar", "due_at": "2031-05-04T14:30:00"},
        )
        assert refused.status_code == 422, refused.text
        assert "with its zone" in refused.json()["detail"]
