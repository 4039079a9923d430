"""The incident record: command handover, tasks, the log, pins and the timeline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from muster import clock
from muster.errors import Conflict, Invalid
from muster.events.service import append_event
from muster.incidents.enums import CommandRole, IncidentStatus, Severity, TaskStatus
from muster.incidents.log import add_log_entry, link_subject, list_log_entries, pin_log_entry
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
from muster.incidents.timeline import incident_timeline
from muster.people.models import Person
from muster.policy.actor import Actor

MakePerson = Callable[..., Person]


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


class TestTimeline:
    """The timeline joins the log with the events of linked subjects, in order."""

    def test_log_and_linked_events_in_order(
        self, session: Session, actor: Actor, incident: Incident, make_person: MakePerson
    ) -> None:
        """A linked person's events appear between log entries; unlinked ones do not."""
        linked, other = make_person("Zane"), make_person("Bystander")
        link_subject(
            session, incident_id=incident.id, subject_id=linked.id, label="Zane", actor=actor
        )
        entry = add_log_entry(
            session, incident_id=incident.id, text="Standoff begins.", actor=actor
        )
        append_event(
            session,
            kind="test.seen",
            actor=actor,
            subjects=[linked.id],
            payload={"summary": "Zane seen at the collar."},
        )
        append_event(
            session,
            kind="test.seen",
            actor=actor,
            subjects=[other.id],
            payload={"summary": "Bystander elsewhere."},
        )
        texts = [i.text for i in incident_timeline(session, incident_id=incident.id)]
        assert texts.index("Standoff begins.") < texts.index("Zane seen at the collar.")
        assert "Bystander elsewhere." not in texts
        assert [i.seq for i in incident_timeline(session, incident_id=incident.id)] == sorted(
            i.seq for i in incident_timeline(session, incident_id=incident.id)
        )
        items = {i.entry_id: i for i in incident_timeline(session, incident_id=incident.id)}
        assert items[entry.id].text == "Standoff begins."

    def test_pinned_entries(self, session: Session, actor: Actor, incident: Incident) -> None:
        """Pinning marks an entry on the timeline and lists it among the pinned."""
        entry = add_log_entry(session, incident_id=incident.id, text="Two dead.", actor=actor)
        add_log_entry(session, incident_id=incident.id, text="Routine.", actor=actor)
        pin_log_entry(session, incident_id=incident.id, entry_id=entry.id, pinned=True, actor=actor)
        assert list_log_entries(session, incident_id=incident.id, pinned_only=True) == [entry]
        pinned = [i for i in incident_timeline(session, incident_id=incident.id) if i.pinned]
        assert [i.entry_id for i in pinned] == [entry.id]
