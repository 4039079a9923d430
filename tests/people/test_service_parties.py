"""Rules of the people registry's party services."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster.errors import Conflict, Invalid, NotFound
from muster.events.models import Event
from muster.people import service
from muster.people.enums import Affiliation, PartyKind
from muster.people.models import Party, Person
from muster.people.schemas import PartyCreate, PartyUpdate, PersonCreate
from muster.policy.actor import Actor


def add_party(session: Session, actor: Actor, name: str = "Vessel") -> Party:
    """Register a vessel party."""
    data = PartyCreate(name=name, kind=PartyKind.VESSEL, expected_aboard=25)
    return service.create_party(session, data=data, actor=actor)


def add_member(session: Session, actor: Actor, name: str, party: Party | None) -> Person:
    """Register a visitor, a member of ``party`` when given."""
    data = PersonCreate(
        name=name, affiliation=Affiliation.VISITOR, party_id=party.id if party else None
    )
    return service.create_person(session, data=data, actor=actor)


def count_parties(session: Session) -> int:
    """How many parties are stored."""
    return session.scalar(select(func.count()).select_from(Party)) or 0


class TestCreateParty:
    """Registering a party stores it and logs it; names are unique; no commander yet."""

    def test_registers_and_logs(self, session: Session, actor: Actor) -> None:
        party = add_party(session, actor)
        assert party.expected_aboard == 25
        assert party.commander_id is None
        kinds = list(session.scalars(select(Event.kind)))
        assert kinds == ["people.party.created"]

    def test_duplicate_name_is_refused(self, session: Session, actor: Actor) -> None:
        add_party(session, actor)
        with pytest.raises(Conflict, match="'Vessel'"):
            add_party(session, actor)
        assert count_parties(session) == 1

    def test_commander_at_creation_is_refused(self, session: Session, actor: Actor) -> None:
        person = add_member(session, actor, "Bahati", None)
        data = PartyCreate(name="Vessel", kind=PartyKind.VESSEL, commander_id=person.id)
        with pytest.raises(Invalid, match="no members"):
            service.create_party(session, data=data, actor=actor)
        assert count_parties(session) == 0


class TestPartyCommander:
    """A party's commander must be a registered, current member of that party."""

    def test_member_becomes_commander(self, session: Session, actor: Actor) -> None:
        party = add_party(session, actor)
        bahati = add_member(session, actor, "Bahati", party)
        data = PartyUpdate(commander_id=bahati.id)
        service.update_party(session, party_id=party.id, data=data, actor=actor)
        assert party.commander_id == bahati.id
        event = session.scalars(select(Event).where(Event.kind == "people.party.updated")).one()
        assert event.subjects == [party.id, bahati.id]

    def test_non_member_is_refused(self, session: Session, actor: Actor) -> None:
        party = add_party(session, actor)
        outsider = add_member(session, actor, "John", None)
        data = PartyUpdate(commander_id=outsider.id)
        with pytest.raises(Invalid, match="not a member"):
            service.update_party(session, party_id=party.id, data=data, actor=actor)
        assert party.commander_id is None

    def test_unknown_person_is_refused(self, session: Session, actor: Actor) -> None:
        party = add_party(session, actor)
        data = PartyUpdate(commander_id="ghost")
        with pytest.raises(NotFound, match="no person"):
            service.update_party(session, party_id=party.id, data=data, actor=actor)

    def test_commander_can_be_cleared(self, session: Session, actor: Actor) -> None:
        party = add_party(session, actor)
        bahati = add_member(session, actor, "Bahati", party)
        for commander in (bahati.id, None):
            data = PartyUpdate(commander_id=commander)
            service.update_party(session, party_id=party.id, data=data, actor=actor)
        assert party.commander_id is None


class TestUpdateAndFindParty:
    """Parties are renamed without clashes and found by id or exact name."""

    def test_rename_to_taken_name_is_refused(self, session: Session, actor: Actor) -> None:
        add_party(session, actor, "Vessel")
        other = add_party(session, actor, "Shuttle")
        data = PartyUpdate(name="Vessel")
        with pytest.raises(Conflict, match="'Vessel'"):
            service.update_party(session, party_id=other.id, data=data, actor=actor)
        assert other.name == "Shuttle"

    def test_find(self, session: Session, actor: Actor) -> None:
        party = add_party(session, actor)
        assert service.find_party(session, party.id) is party
        assert service.find_party(session, "Vessel") is party
        with pytest.raises(NotFound, match="'vessel'"):
            service.find_party(session, "vessel")
        with pytest.raises(NotFound):
            service.get_party(session, "vessel")

    def test_list_pages_by_name(self, session: Session, actor: Actor) -> None:
        for name in ("C", "A", "B"):
            add_party(session, actor, name)
        rows, total = service.list_parties(session, limit=2, offset=1)
        assert total == 3
        assert [p.name for p in rows] == ["B", "C"]
