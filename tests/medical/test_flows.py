"""Screenings and medical holds, as the airlocks see them; the visiting surgeon's visit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from muster import clock
from muster.access.decisions import decide_request
from muster.access.enums import Direction, HoldKind
from muster.access.holds import confirm_medical_hold, lift_hold, open_holds, place_hold
from muster.access.passes import issue_duty_pass
from muster.access.presence import set_presence
from muster.errors import Conflict, Forbidden, Invalid
from muster.medical.enums import ScreeningKind, ScreeningResult
from muster.medical.flows import authorize_surgeon_visit, screen_person
from muster.medical.schemas import ScreeningCreate
from muster.people.enums import Affiliation
from muster.people.models import Person
from muster.policy.actor import Actor

from .conftest import MEDIC, OFFICER, Station

MakePerson = Callable[..., Person]


def screening(person: Person, result: ScreeningResult) -> ScreeningCreate:
    """A nanite screening of ``person`` with ``result``."""
    return ScreeningCreate(
        person_id=person.id, kind=ScreeningKind.NANITE, result=result, method="blood panel"
    )


@pytest.fixture
def resident(session: Session, actor: Actor, station: Station, make_person: MakePerson) -> Person:
    """A crew member in the West corridor with a duty pass: free to exit unless held (a
    resident's duty pass opens no airlock to the docked vessel)."""
    person = make_person("Resident Mara", affiliation=Affiliation.CREW)
    set_presence(
        session, person_id=person.id, zone_id=station.corridor.id, reason="seen", actor=actor
    )
    now = clock.now()
    issue_duty_pass(
        session,
        person_id=person.id,
        purpose="collar inspection",
        valid_from=now - timedelta(minutes=1),
        valid_until=now + timedelta(hours=2),
        actor=actor,
    )
    return person


def may_exit(session: Session, station: Station, person: Person) -> bool:
    """The West airlock's decision, now, on ``person`` leaving."""
    group = decide_request(
        session,
        portal_id=station.airlock.id,
        person_refs=[person.id],
        direction=Direction.EXIT,
        actor=OFFICER,
    )
    return group.decisions[0].allowed


class TestHoldLifecycle:
    """A hold changes the airlock's decision in the same transaction, both ways."""

    def test_lifted_only_with_clear_screening(
        self, session: Session, actor: Actor, station: Station, resident: Person
    ) -> None:
        """A provisional hold stops the exit, stays without a clear screening, then lifts."""
        assert may_exit(session, station, resident)
        hold = place_hold(
            session,
            person_id=resident.id,
            kind=HoldKind.PROVISIONAL,
            reason="suspected nanite influence",
            actor=actor,
        )
        assert not may_exit(session, station, resident)
        with pytest.raises(Conflict):
            lift_hold(session, hold_id=hold.id, reason="clear", actor=MEDIC)
        _s, placed = screen_person(
            session, data=screening(resident, ScreeningResult.NEGATIVE), actor=MEDIC
        )
        assert placed == []
        lift_hold(session, hold_id=hold.id, reason="screened clear", actor=MEDIC)
        assert may_exit(session, station, resident)

    def test_positive_screening_confirms_provisional_as_medical(
        self, session: Session, actor: Actor, station: Station, resident: Person
    ) -> None:
        """A positive result replaces the provisional hold with a medical one; exit stays denied."""
        place_hold(
            session, person_id=resident.id, kind=HoldKind.PROVISIONAL, reason="seen", actor=actor
        )
        _s, placed = screen_person(
            session, data=screening(resident, ScreeningResult.POSITIVE), actor=MEDIC
        )
        assert [h.kind for h in placed] == ["medical"]
        assert [h.kind for h in open_holds(session, resident.id)] == ["medical"]
        assert not may_exit(session, station, resident)

    def test_positive_screening_places_medical_hold(
        self, session: Session, station: Station, resident: Person
    ) -> None:
        """A positive result on someone not held places a medical hold at once."""
        assert may_exit(session, station, resident)
        screen_person(session, data=screening(resident, ScreeningResult.POSITIVE), actor=MEDIC)
        assert not may_exit(session, station, resident)

    def test_medical_hold_lifted_after_later_negative(
        self, session: Session, station: Station, resident: Person
    ) -> None:
        """A medical hold lifts once the latest screening is negative, and the airlock opens."""
        _s, placed = screen_person(
            session, data=screening(resident, ScreeningResult.POSITIVE), actor=MEDIC
        )
        with pytest.raises(Conflict):
            lift_hold(session, hold_id=placed[0].id, reason="better", actor=MEDIC)
        screen_person(session, data=screening(resident, ScreeningResult.NEGATIVE), actor=MEDIC)
        lift_hold(session, hold_id=placed[0].id, reason="clear now", actor=MEDIC)
        assert may_exit(session, station, resident)


class TestHoldPermissions:
    """Only a medic decides on a hold for medical reasons, and only on the record."""

    def test_officer_may_not_confirm_or_lift(
        self, session: Session, actor: Actor, resident: Person
    ) -> None:
        """An officer is refused a medical hold's lift and any confirmation, whatever the
        screening says; lifting a provisional hold stays a command decision."""
        provisional = place_hold(
            session, person_id=resident.id, kind=HoldKind.PROVISIONAL, reason="seen", actor=actor
        )
        with pytest.raises(Forbidden):
            confirm_medical_hold(session, hold_id=provisional.id, reason="clinical", actor=OFFICER)
        _s, placed = screen_person(
            session, data=screening(resident, ScreeningResult.POSITIVE), actor=MEDIC
        )
        screen_person(session, data=screening(resident, ScreeningResult.NEGATIVE), actor=MEDIC)
        with pytest.raises(Forbidden):
            lift_hold(session, hold_id=placed[0].id, reason="clear", actor=OFFICER)
        with pytest.raises(Forbidden):
            screen_person(
                session, data=screening(resident, ScreeningResult.NEGATIVE), actor=OFFICER
            )

    def test_confirm_needs_a_screening_that_is_not_clear(
        self, session: Session, actor: Actor, resident: Person
    ) -> None:
        """No screening, or a clear one, cannot confirm a provisional hold."""
        hold = place_hold(
            session, person_id=resident.id, kind=HoldKind.PROVISIONAL, reason="seen", actor=actor
        )
        with pytest.raises(Conflict):
            confirm_medical_hold(session, hold_id=hold.id, reason="clinical", actor=MEDIC)
        screen_person(session, data=screening(resident, ScreeningResult.NEGATIVE), actor=MEDIC)
        with pytest.raises(Conflict):
            confirm_medical_hold(session, hold_id=hold.id, reason="clinical", actor=MEDIC)


class TestInconclusiveHolds:
    """An inconclusive result holds: it places or keeps a medical hold (P4)."""

    def test_inconclusive_places_a_medical_hold(
        self, session: Session, station: Station, resident: Person
    ) -> None:
        """A resident free to leave is held medically by an inconclusive screening."""
        assert may_exit(session, station, resident)
        inconclusive = screening(resident, ScreeningResult.INCONCLUSIVE)
        _s, placed = screen_person(session, data=inconclusive, actor=MEDIC)
        assert [h.kind for h in placed] == ["medical"]
        assert not may_exit(session, station, resident)

    def test_inconclusive_confirms_a_provisional_hold(
        self, session: Session, actor: Actor, station: Station, resident: Person
    ) -> None:
        """A provisional hold becomes medical on an inconclusive result; only a medic lifts it."""
        place_hold(
            session, person_id=resident.id, kind=HoldKind.PROVISIONAL, reason="seen", actor=actor
        )
        inconclusive = screening(resident, ScreeningResult.INCONCLUSIVE)
        _s, placed = screen_person(session, data=inconclusive, actor=MEDIC)
        assert [h.kind for h in open_holds(session, resident.id)] == ["medical"]
        assert "confirms the provisional hold" in placed[0].reason
        assert not may_exit(session, station, resident)

    def test_inconclusive_keeps_a_medical_hold(
        self, session: Session, station: Station, resident: Person
    ) -> None:
        """After a positive result, an inconclusive one keeps the hold: no lift."""
        _s, placed = screen_person(
            session, data=screening(resident, ScreeningResult.POSITIVE), actor=MEDIC
        )
        screen_person(session, data=screening(resident, ScreeningResult.INCONCLUSIVE), actor=MEDIC)
        with pytest.raises(Conflict, match="inconclusive"):
            lift_hold(session, hold_id=placed[0].id, reason="looks better", actor=MEDIC)
        assert not may_exit(session, station, resident)


class TestSurgeonVisit:
    """The visiting surgeon enters escorted and passes only into the zones of the visit."""

    def test_escorted_and_limited_to_allowed_zones(
        self, session: Session, actor: Actor, station: Station, make_person: MakePerson
    ) -> None:
        """Entry needs a crew escort; the hospital door opens, the command deck door does not."""
        surgeon = make_person("Surgeon Okoye", Affiliation.VISITOR, party_id=station.vessel.id)
        chief = make_person("Dr Amara", Affiliation.CREW, roles=["medic"])
        for person in (surgeon, chief):
            set_presence(
                session,
                person_id=person.id,
                zone_id=station.collar.id,
                reason="at collar",
                actor=actor,
            )
        now = clock.now()
        authorize_surgeon_visit(
            session,
            surgeon_id=surgeon.id,
            host_id=chief.id,
            zone_ids=[station.corridor.id, station.hospital.id],
            valid_from=now - timedelta(minutes=1),
            valid_until=now + timedelta(hours=8),
            actor=MEDIC,
        )

        def decide(portal_id: str, direction: Direction, *people: Person) -> list[bool]:
            group = decide_request(
                session,
                portal_id=portal_id,
                person_refs=[p.id for p in people],
                direction=direction,
                actor=OFFICER,
            )
            return [d.allowed for d in group.decisions]

        assert decide(station.airlock.id, Direction.ENTER, surgeon) == [False]
        assert decide(station.airlock.id, Direction.ENTER, surgeon, chief) == [True, True]
        set_presence(
            session,
            person_id=surgeon.id,
            zone_id=station.corridor.id,
            reason="entered",
            actor=actor,
        )
        assert decide(station.hospital_door.id, Direction.EXIT, surgeon) == [True]
        assert decide(station.command_door.id, Direction.EXIT, surgeon) == [False]

    def test_host_must_be_medical_staff(
        self, session: Session, station: Station, make_person: MakePerson
    ) -> None:
        """A host who is not on the medical staff is refused."""
        surgeon = make_person("Surgeon Two", Affiliation.VISITOR, party_id=station.vessel.id)
        host = make_person("George", Affiliation.CREW, roles=["engineer"])
        now = clock.now()
        with pytest.raises(Invalid):
            authorize_surgeon_visit(
                session,
                surgeon_id=surgeon.id,
                host_id=host.id,
                zone_ids=[station.hospital.id],
                valid_from=now,
                valid_until=now + timedelta(hours=1),
                actor=MEDIC,
            )
