"""The incident's activity log: who writes it, pins, links; the timeline joins them in order."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster.db import Database
from muster.errors import NotFound
from muster.events.models import Event
from muster.events.service import append_event
from muster.incidents.enums import Severity
from muster.incidents.log import add_log_entry, link_subject, list_log_entries, pin_log_entry
from muster.incidents.models import Incident
from muster.incidents.schemas import IncidentCreate
from muster.incidents.service import declare_incident
from muster.incidents.timeline import incident_timeline
from muster.people.enums import Affiliation
from muster.people.models import Person
from muster.people.schemas import PersonCreate
from muster.people.service import create_person
from muster.policy.actor import Actor

MakePerson = Callable[..., Person]
MakeClient = Callable[..., TestClient]


def declare(session: Session, actor: Actor, commander: Person) -> Incident:
    """The West airlock incident, commanded by ``commander``."""
    data = IncidentCreate(
        title="West airlock confrontation",
        kind="security",
        severity=Severity.CRITICAL,
        location="West airlock",
        commander_id=commander.id,
    )
    return declare_incident(session, data=data, actor=actor)


@pytest.fixture
def incident(session: Session, actor: Actor, make_person: MakePerson) -> Incident:
    """The West airlock incident, commanded by John."""
    return declare(session, actor, make_person("John"))


@pytest.fixture
def declared(db: Database, actor: Actor) -> str:
    """The West airlock incident, committed; its id."""
    with db.session_scope() as session:
        data = PersonCreate(name="John", affiliation=Affiliation.CREW)
        return declare(session, actor, create_person(session, data=data, actor=actor)).id


def kinds(db: Database, kind: str) -> int:
    """How many events of ``kind`` the record holds."""
    with db.session_scope(write=False) as session:
        return int(session.scalar(select(func.count()).where(Event.kind == kind)) or 0)


class TestWritingTheLog:
    """Everyone who works the incident writes its log; an observer or a device does not."""

    def test_an_observer_may_not(
        self, make_client: MakeClient, declared: str, db: Database
    ) -> None:
        refused = make_client("observer").post(
            f"/api/v1/incidents/{declared}/log", json={"text": "All quiet."}
        )
        assert refused.status_code == 403, refused.text
        assert "incident.write" in refused.json()["detail"]
        assert kinds(db, "incidents.log.added") == 0

    def test_a_guard_writes_and_anyone_reads(self, make_client: MakeClient, declared: str) -> None:
        added = make_client("guard").post(
            f"/api/v1/incidents/{declared}/log", json={"text": "Party at the collar."}
        )
        assert added.status_code == 201, added.text
        log = make_client("observer").get(f"/api/v1/incidents/{declared}/log").json()
        assert [e["text"] for e in log] == ["Party at the collar."]

    def test_an_empty_line_is_refused(self, make_client: MakeClient, declared: str) -> None:
        refused = make_client("guard").post(f"/api/v1/incidents/{declared}/log", json={"text": ""})
        assert refused.status_code == 422, refused.text
        assert "text" in refused.json()["detail"]

    def test_an_unknown_incident(self, make_client: MakeClient, declared: str) -> None:
        refused = make_client("guard").post("/api/v1/incidents/nope/log", json={"text": "x"})
        assert refused.status_code == 404, refused.text
        assert "muster incident list" in refused.json()["detail"]


class TestPinsAndLinks:
    """A pin names an entry of this incident; a subject is linked once."""

    def test_pinning_an_entry_of_another_incident(
        self, session: Session, actor: Actor, incident: Incident, make_person: MakePerson
    ) -> None:
        other = declare(session, actor, make_person("Ken"))
        entry = add_log_entry(session, incident_id=other.id, text="Elsewhere.", actor=actor)
        with pytest.raises(NotFound, match="no log entry"):
            pin_log_entry(
                session, incident_id=incident.id, entry_id=entry.id, pinned=True, actor=actor
            )
        assert entry.pinned is False

    def test_pinning_over_http(self, make_client: MakeClient, declared: str, db: Database) -> None:
        guard = make_client("guard")
        entry = guard.post(f"/api/v1/incidents/{declared}/log", json={"text": "Two hurt."}).json()
        url = f"/api/v1/incidents/{declared}/log/{entry['id']}/pin"
        assert make_client("observer").put(url, json={"pinned": True}).status_code == 403
        assert guard.put(url, json={"pinned": True}).json()["pinned"] is True
        assert guard.put(url, json={"pinned": True}).status_code == 200
        assert kinds(db, "incidents.log.pinned") == 1
        missing = guard.put(f"/api/v1/incidents/{declared}/log/nope/pin", json={"pinned": True})
        assert missing.status_code == 404, missing.text

    def test_a_subject_is_linked_once(
        self, make_client: MakeClient, declared: str, db: Database
    ) -> None:
        guard = make_client("guard")
        url = f"/api/v1/incidents/{declared}/links"
        first = guard.post(url, json={"subject_id": "person-zane", "label": "Zane"})
        again = guard.post(url, json={"subject_id": "person-zane", "label": "Zane"})
        assert first.status_code == again.status_code == 201, again.text
        assert first.json()["id"] == again.json()["id"]
        assert kinds(db, "incidents.link.added") == 1
        refused = make_client("observer").post(url, json={"subject_id": "p2"})
        assert refused.status_code == 403, refused.text


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
