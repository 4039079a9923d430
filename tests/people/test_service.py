"""Rules of the people registry's person services."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster.db import Database
from muster.errors import Conflict, NotFound
from muster.events.models import Event
from muster.people import service
from muster.people.enums import Affiliation, PartyKind, PersonStatus
from muster.people.models import Party, Person
from muster.people.schemas import PartyCreate, PartyUpdate, PersonCreate, PersonUpdate
from muster.places.models import Post, PostAssignment
from muster.policy.actor import Actor


def add_person(session: Session, actor: Actor, name: str, **fields: Any) -> Person:
    """Register a person with sensible defaults."""
    fields.setdefault("affiliation", Affiliation.CREW)
    data = PersonCreate(name=name, **fields)
    return service.create_person(session, data=data, actor=actor)


def add_party(session: Session, actor: Actor, name: str = "Vessel") -> Party:
    """Register a vessel party."""
    data = PartyCreate(name=name, kind=PartyKind.VESSEL)
    return service.create_party(session, data=data, actor=actor)


def events(session: Session, kind: str | None = None) -> list[Event]:
    """Events in the log, optionally of one kind."""
    query = select(Event).order_by(Event.seq)
    if kind:
        query = query.where(Event.kind == kind)
    return list(session.scalars(query))


def count_persons(session: Session) -> int:
    """How many persons are stored, archived or not."""
    return session.scalar(select(func.count()).select_from(Person)) or 0


class TestCreatePerson:
    """Registering a person stores them and logs one event naming them and their party."""

    def test_registers_and_logs(self, session: Session, actor: Actor) -> None:
        party = add_party(session, actor)
        person = add_person(session, actor, "Bahati", party_id=party.id, roles=["warrior", "b"])
        assert person.id
        assert person.status is PersonStatus.ACTIVE
        assert person.roles == ["b", "warrior"]
        [created] = events(session, "people.person.created")
        assert created.subjects == [person.id, party.id]
        assert created.payload["name"] == "Bahati"

    def test_duplicate_name_is_refused(self, session: Session, actor: Actor) -> None:
        add_person(session, actor, "Lisa")
        with pytest.raises(Conflict, match="'Lisa'"):
            add_person(session, actor, "Lisa")
        assert count_persons(session) == 1
        assert len(events(session)) == 1

    def test_duplicate_badge_is_refused(self, session: Session, actor: Actor) -> None:
        add_person(session, actor, "Lisa", badge_id="B-1")
        with pytest.raises(Conflict, match="B-1"):
            add_person(session, actor, "Ken", badge_id="B-1")
        assert count_persons(session) == 1

    def test_unknown_party_is_refused(self, session: Session, actor: Actor) -> None:
        with pytest.raises(NotFound, match="no party"):
            add_person(session, actor, "Zane", party_id="nope")
        assert count_persons(session) == 0

    def test_database_constraint_race_becomes_conflict(
        self, db: Database, actor: Actor, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        with db.session_scope() as session:
            add_person(session, actor, "Lisa")
        # As if a concurrent transaction inserted the name after our check.
        monkeypatch.setattr(service, "_check_person_name", lambda *_a, **_k: None)
        with pytest.raises(Conflict, match="'Lisa'"), db.session_scope() as session:
            add_person(session, actor, "Lisa")
        with db.session_scope() as session:
            assert count_persons(session) == 1
            assert len(events(session)) == 1


class TestFindPerson:
    """Persons are found by id, badge or exact name; anything else is NotFound."""

    def test_get_unknown_id(self, session: Session) -> None:
        with pytest.raises(NotFound, match="'missing-id'"):
            service.get_person(session, "missing-id")

    def test_find_by_each_reference(self, session: Session, actor: Actor) -> None:
        person = add_person(session, actor, "George", badge_id="G-7")
        for ref in (person.id, "G-7", "George"):
            assert service.find_person(session, ref) is person
        with pytest.raises(NotFound):
            service.find_person(session, "george")


class TestUpdatePerson:
    """Updates change only the fields given, are logged, and keep the registry's rules."""

    def test_partial_update(self, session: Session, actor: Actor) -> None:
        person = add_person(session, actor, "Lisa", badge_id="L-1", notes="resident")
        data = PersonUpdate(notes="in hospital")
        service.update_person(session, person_id=person.id, data=data, actor=actor)
        assert (person.notes, person.badge_id, person.name) == ("in hospital", "L-1", "Lisa")
        [updated] = events(session, "people.person.updated")
        assert updated.payload["changes"] == {"notes": ["resident", "in hospital"]}

    def test_status_change_is_recorded(self, session: Session, actor: Actor) -> None:
        person = add_person(session, actor, "Lisa")
        data = PersonUpdate(status=PersonStatus.INJURED)
        service.update_person(session, person_id=person.id, data=data, actor=actor)
        [changed] = events(session, "people.person.status_changed")
        assert changed.subjects == [person.id]
        assert changed.payload["from"] == "active"
        assert changed.payload["to"] == "injured"

    def test_no_change_logs_nothing(self, session: Session, actor: Actor) -> None:
        person = add_person(session, actor, "Lisa")
        data = PersonUpdate(name="Lisa")
        service.update_person(session, person_id=person.id, data=data, actor=actor)
        assert len(events(session)) == 1

    def test_badge_can_be_cleared(self, session: Session, actor: Actor) -> None:
        person = add_person(session, actor, "Lisa", badge_id="L-1")
        data = PersonUpdate(badge_id=None)
        service.update_person(session, person_id=person.id, data=data, actor=actor)
        assert person.badge_id is None

    def test_rename_to_taken_name_is_refused(self, session: Session, actor: Actor) -> None:
        add_person(session, actor, "Ken")
        person = add_person(session, actor, "Dominic")
        data = PersonUpdate(name="Ken")
        with pytest.raises(Conflict, match="'Ken'"):
            service.update_person(session, person_id=person.id, data=data, actor=actor)
        assert person.name == "Dominic"

    def test_taken_badge_is_refused(self, session: Session, actor: Actor) -> None:
        add_person(session, actor, "Ken", badge_id="K-1")
        person = add_person(session, actor, "Dominic")
        data = PersonUpdate(badge_id="K-1")
        with pytest.raises(Conflict, match="K-1"):
            service.update_person(session, person_id=person.id, data=data, actor=actor)

    def test_unknown_person(self, session: Session, actor: Actor) -> None:
        with pytest.raises(NotFound):
            service.update_person(session, person_id="x", data=PersonUpdate(), actor=actor)

    def test_commander_cannot_leave_their_party(self, session: Session, actor: Actor) -> None:
        party = add_party(session, actor)
        bahati = add_person(session, actor, "Bahati", party_id=party.id)
        service.update_party(
            session, party_id=party.id, data=PartyUpdate(commander_id=bahati.id), actor=actor
        )
        data = PersonUpdate(party_id=None)
        with pytest.raises(Conflict, match="commands the party Vessel"):
            service.update_person(session, person_id=bahati.id, data=data, actor=actor)
        assert bahati.party_id == party.id

    def test_null_for_required_field_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="name cannot be null"):
            PersonUpdate.model_validate({"name": None})


class TestListPersons:
    """Listing filters by every field of PersonFilter and pages by name."""

    @pytest.fixture
    def people(self, session: Session, actor: Actor) -> dict[str, Person]:
        party = add_party(session, actor)
        rows = [
            add_person(session, actor, "Bahati", affiliation="visitor", party_id=party.id),
            add_person(session, actor, "Zane", affiliation="visitor", party_id=party.id),
            add_person(session, actor, "Ken", roles=["guard"]),
            add_person(session, actor, "Kenji", roles=["guards", "officer"]),
            add_person(session, actor, "Lisa", affiliation="resident", status="injured"),
            add_person(session, actor, "50%_off", affiliation="resident"),
        ]
        return {p.name: p for p in rows}

    def names(self, session: Session, **flt: Any) -> list[str]:
        rows, total = service.list_persons(
            session, flt=service.PersonFilter(**flt), limit=50, offset=0
        )
        assert total == len(rows)
        return [p.name for p in rows]

    def test_filters(self, session: Session, people: dict[str, Person]) -> None:
        party_id = people["Zane"].party_id
        assert self.names(session, affiliation=Affiliation.VISITOR) == ["Bahati", "Zane"]
        assert self.names(session, party_id=party_id) == ["Bahati", "Zane"]
        assert self.names(session, status=PersonStatus.INJURED) == ["Lisa"]
        assert self.names(session, role="guard") == ["Ken"]
        assert self.names(session, role="officer") == ["Kenji"]
        assert self.names(session, q="KEN") == ["Ken", "Kenji"]
        assert self.names(session, q="%") == ["50%_off"]
        assert self.names(session, q="_") == ["50%_off"]

    def test_paging(self, session: Session, people: dict[str, Person]) -> None:
        rows, total = service.list_persons(session, flt=service.PersonFilter(), limit=2, offset=2)
        assert total == 6
        assert [p.name for p in rows] == ["Ken", "Kenji"]

    def test_archived_hidden_unless_asked(
        self, session: Session, actor: Actor, people: dict[str, Person]
    ) -> None:
        lisa = people["Lisa"]
        service.update_person(session, person_id=lisa.id, data=PersonUpdate(notes="x"), actor=actor)
        service.delete_person(session, person_id=lisa.id, actor=actor)
        assert "Lisa" not in self.names(session)
        assert "Lisa" in self.names(session, include_archived=True)


class TestDeletePerson:
    """A person the record names is archived, never deleted; others are deleted."""

    def test_unrecorded_person_is_deleted(self, session: Session, actor: Actor) -> None:
        person = add_person(session, actor, "Temp")
        person_id = person.id
        removed, references = service.remove_person(session, person_id=person_id, actor=actor)
        assert references == []
        assert removed.archived_at is None
        with pytest.raises(NotFound):
            service.get_person(session, person_id)
        [deleted] = events(session, "people.person.deleted")
        assert deleted.subjects == [person_id]

    def test_person_in_event_log_is_archived(self, session: Session, actor: Actor) -> None:
        person = add_person(session, actor, "Lisa")
        data = PersonUpdate(status=PersonStatus.INJURED)
        service.update_person(session, person_id=person.id, data=data, actor=actor)
        result = service.delete_person(session, person_id=person.id, actor=actor)
        assert result.archived_at is not None
        assert service.get_person(session, person.id) is person
        [archived] = events(session, "people.person.archived")
        assert "event(s) in the log" in archived.payload["referenced_by"][0]

    def test_person_referenced_by_a_table_is_archived(self, session: Session, actor: Actor) -> None:
        person = add_person(session, actor, "Ken")
        at = person.created_at
        post = Post(name="South post", created_at=at, updated_at=at)
        session.add(post)
        session.flush()
        session.add(PostAssignment(post_id=post.id, person_id=person.id, assigned_at=at))
        session.flush()
        _person, references = service.remove_person(session, person_id=person.id, actor=actor)
        assert references == ["post_assignments"]
        assert person.archived_at is not None

    def test_party_commander_is_archived(self, session: Session, actor: Actor) -> None:
        party = add_party(session, actor)
        person = add_person(session, actor, "Bahati", party_id=party.id)
        party.commander_id = person.id  # set directly: no event names them
        session.flush()
        _person, references = service.remove_person(session, person_id=person.id, actor=actor)
        assert references == ["parties (as commander)"]

    def test_archiving_twice_logs_once(self, session: Session, actor: Actor) -> None:
        person = add_person(session, actor, "Lisa")
        service.update_person(
            session, person_id=person.id, data=PersonUpdate(notes="x"), actor=actor
        )
        first = service.delete_person(session, person_id=person.id, actor=actor).archived_at
        again = service.delete_person(session, person_id=person.id, actor=actor).archived_at
        assert first == again
        assert len(events(session, "people.person.archived")) == 1

    def test_unknown_person(self, session: Session, actor: Actor) -> None:
        with pytest.raises(NotFound):
            service.delete_person(session, person_id="nope", actor=actor)
