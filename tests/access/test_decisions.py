"""Each rule of the station's default policy, and each way a decision fails closed."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import cedarpy
import pytest
from sqlalchemy import select

from access.station import Station
from muster import clock
from muster.access import decisions
from muster.access.decisions import decide_request
from muster.access.enums import Direction, HoldKind
from muster.access.holds import lift_hold, place_hold
from muster.access.models import Decision
from muster.access.modes import set_portal_mode
from muster.access.passes import issue_duty_pass, issue_visit
from muster.events.models import Event
from muster.people.enums import Affiliation, PersonStatus
from muster.places.enums import PortalMode
from muster.policy.actor import Actor
from muster.policy.engine import Verdict
from muster.welfare.enums import CaseStatus

JOHN = Actor(kind="account", id="acc-john", name="John", roles=frozenset({"commander"}))
MEDIC = Actor(kind="account", id="acc-mia", name="Mia", roles=frozenset({"medic"}))


def decide(st: Station, names: list[str], portal: str, direction: Direction) -> Any:
    """Decide a request at ``portal`` for the named persons."""
    refs = [st.persons[n].id if n in st.persons else n for n in names]
    return decide_request(
        st.session,
        portal_id=st.portals[portal].id,
        person_refs=refs,
        direction=direction,
        actor=JOHN,
    )


def one(st: Station, name: str, portal: str, direction: Direction) -> Any:
    """The single decision for one person."""
    return decide(st, [name], portal, direction).decisions[0]


def window() -> tuple[Any, Any]:
    """A time window around now."""
    now = clock.now()
    return now - timedelta(minutes=5), now + timedelta(hours=1)


class TestVisitorExit:
    """A visitor may exit only through an airlock that leads to their own party's vessel."""

    def test_own_vessel(self, station: Station) -> None:
        station.add_person("Zane", Affiliation.VISITOR, party=station.vessel, zone="south")
        result = one(station, "Zane", "South airlock", Direction.EXIT)
        assert result.allowed
        assert result.rule_ids == ("exit.visitor.own-vessel",)

    def test_other_vessel(self, station: Station) -> None:
        station.add_person("Zane", Affiliation.VISITOR, party=station.vessel)
        result = one(station, "Zane", "Far airlock", Direction.EXIT)
        assert not result.allowed
        assert "own vessel" in result.explanation

    def test_no_party(self, station: Station) -> None:
        station.add_person("Drifter", Affiliation.VISITOR)
        assert not one(station, "Drifter", "Empty airlock", Direction.EXIT).allowed


class TestStationExit:
    """Residents and crew exit only with a current duty pass or an approved consent case."""

    def test_nothing_denies(self, station: Station) -> None:
        station.add_person("Lisa", Affiliation.RESIDENT)
        result = one(station, "Lisa", "Empty airlock", Direction.EXIT)
        assert not result.allowed
        assert result.rule_ids == ()
        assert "duty pass" in result.explanation

    def test_duty_pass(self, station: Station) -> None:
        george = station.add_person("George", Affiliation.CREW)
        start, end = window()
        issue_duty_pass(
            station.session,
            person_id=george.id,
            purpose="hull check",
            valid_from=start,
            valid_until=end,
            actor=JOHN,
        )
        result = one(station, "George", "South airlock", Direction.EXIT)
        assert result.allowed
        assert result.rule_ids == ("exit.station.duty-pass",)

    def test_expired_duty_pass(self, station: Station) -> None:
        george = station.add_person("George", Affiliation.CREW)
        now = clock.now()
        issue_duty_pass(
            station.session,
            person_id=george.id,
            purpose="hull check",
            valid_from=now - timedelta(hours=2),
            valid_until=now - timedelta(hours=1),
            actor=JOHN,
        )
        assert not one(station, "George", "South airlock", Direction.EXIT).allowed

    def test_transfer_only_to_that_vessel(self, station: Station) -> None:
        station.add_person("Ana", Affiliation.RESIDENT)
        station.consent_case("Ana")
        assert one(station, "Ana", "South airlock", Direction.EXIT).rule_ids == (
            "exit.station.transfer",
        )
        assert not one(station, "Ana", "Far airlock", Direction.EXIT).allowed

    @pytest.mark.parametrize("status", [CaseStatus.OPEN, CaseStatus.SUSPENDED, CaseStatus.REVOKED])
    def test_case_not_approved_is_no_transfer(self, station: Station, status: CaseStatus) -> None:
        station.add_person("Ana", Affiliation.RESIDENT)
        station.consent_case("Ana", status=status)
        result = one(station, "Ana", "South airlock", Direction.EXIT)
        assert not result.allowed
        assert "exit.forbid.resident-to-vessel" in result.rule_ids

    def test_overdue_checkup_ends_the_transfer(self, station: Station) -> None:
        station.add_person("Ana", Affiliation.RESIDENT)
        station.consent_case("Ana", checkup_due=clock.now() - timedelta(seconds=1))
        assert not one(station, "Ana", "South airlock", Direction.EXIT).allowed

    def test_duty_pass_never_opens_a_vessel_for_a_resident(self, station: Station) -> None:
        ana = station.add_person("Ana", Affiliation.RESIDENT)
        start, end = window()
        issue_duty_pass(
            station.session,
            person_id=ana.id,
            purpose="hull check",
            valid_from=start,
            valid_until=end,
            actor=JOHN,
        )
        result = one(station, "Ana", "South airlock", Direction.EXIT)
        assert not result.allowed
        assert result.rule_ids == ("exit.forbid.resident-to-vessel",)
        assert "consent case" in result.explanation
        assert one(station, "Ana", "Empty airlock", Direction.EXIT).allowed


class TestHolds:
    """Anyone under a hold may not exit, whatever else permits it."""

    def test_held_resident_with_duty_pass(self, station: Station) -> None:
        ana = station.add_person("Ana", Affiliation.RESIDENT)
        start, end = window()
        issue_duty_pass(
            station.session,
            person_id=ana.id,
            purpose="x",
            valid_from=start,
            valid_until=end,
            actor=JOHN,
        )
        place_hold(
            station.session,
            person_id=ana.id,
            kind=HoldKind.PROVISIONAL,
            reason="suspected nanite influence",
            actor=JOHN,
        )
        result = one(station, "Ana", "Empty airlock", Direction.EXIT)
        assert not result.allowed
        assert result.rule_ids == ("exit.forbid.held",)
        assert "under provisional hold placed by John at" in result.explanation
        assert "suspected nanite influence" in result.explanation

    def test_held_visitor(self, station: Station) -> None:
        zane = station.add_person("Zane", Affiliation.VISITOR, party=station.vessel)
        place_hold(
            station.session, person_id=zane.id, kind=HoldKind.MEDICAL, reason="wounded", actor=MEDIC
        )
        assert not one(station, "Zane", "South airlock", Direction.EXIT).allowed

    def test_lifted_hold_no_longer_blocks(self, station: Station) -> None:
        zane = station.add_person("Zane", Affiliation.VISITOR, party=station.vessel)
        hold = place_hold(
            station.session,
            person_id=zane.id,
            kind=HoldKind.PROVISIONAL,
            reason="questioning",
            actor=JOHN,
        )
        lift_hold(station.session, hold_id=hold.id, reason="cleared", actor=JOHN)
        assert one(station, "Zane", "South airlock", Direction.EXIT).allowed

    def test_held_may_still_pass_doors(self, station: Station) -> None:
        ana = station.add_person("Ana", Affiliation.RESIDENT, zone="south")
        place_hold(
            station.session, person_id=ana.id, kind=HoldKind.PROVISIONAL, reason="x", actor=JOHN
        )
        assert one(station, "Ana", "Hospital door", Direction.EXIT).allowed


class TestEntry:
    """Residents and crew board; visitors need a current visit and a crew escort."""

    def test_resident_enters(self, station: Station) -> None:
        station.add_person("Ana", Affiliation.RESIDENT, zone="south_collar")
        assert one(station, "Ana", "South airlock", Direction.ENTER).rule_ids == (
            "enter.station.residents-crew",
        )

    def test_visitor_without_visit(self, station: Station) -> None:
        station.add_person("Surgeon", Affiliation.VISITOR, party=station.vessel, zone=None)
        station.add_person("Ken", Affiliation.CREW, zone=None)
        result = decide(station, ["Surgeon", "Ken"], "South airlock", Direction.ENTER)
        assert not result.decisions[0].allowed
        assert "visit authorization" in result.decisions[0].explanation

    def _visit(self, station: Station, zones: list[str]) -> None:
        surgeon = station.add_person(
            "Surgeon", Affiliation.VISITOR, party=station.vessel, zone=None
        )
        start, end = window()
        issue_visit(
            station.session,
            person_id=surgeon.id,
            host_id=station.add_person("Ken", Affiliation.CREW, zone=None).id,
            purpose="nanite work",
            zone_ids=[station.zones[z].id for z in zones],
            valid_from=start,
            valid_until=end,
            actor=JOHN,
        )

    def test_visitor_needs_escort(self, station: Station) -> None:
        self._visit(station, ["south", "hospital"])
        alone = one(station, "Surgeon", "South airlock", Direction.ENTER)
        assert not alone.allowed
        assert "escort" in alone.explanation
        escorted = decide(station, ["Surgeon", "Ken"], "South airlock", Direction.ENTER)
        assert escorted.decisions[0].rule_ids == ("enter.visitor.visit-escorted",)

    def test_visitor_boards_only_into_a_zone_the_visit_allows(self, station: Station) -> None:
        self._visit(station, ["hospital"])
        result = decide(station, ["Surgeon", "Ken"], "South airlock", Direction.ENTER)
        assert [d.allowed for d in result.decisions] == [False, True]
        assert "does not allow the zone inside this airlock" in result.decisions[0].explanation

    def test_escort_counts_only_if_permitted(self, station: Station) -> None:
        self._visit(station, ["south"])
        station.add_person("Aboard", Affiliation.CREW, zone="south")
        result = decide(station, ["Surgeon", "Aboard"], "South airlock", Direction.ENTER)
        assert [d.allowed for d in result.decisions] == [False, False]
        assert result.decisions[1].rule_ids == ("any.forbid.passback",)
        assert "escort" in result.decisions[0].explanation


class TestDoors:
    """Inside, a visitor passes doors only into zones their visit allows."""

    def _visitor(self, station: Station, zones: list[str]) -> None:
        surgeon = station.add_person(
            "Surgeon", Affiliation.VISITOR, party=station.vessel, zone="south"
        )
        host = station.add_person("Host", Affiliation.CREW)
        start, end = window()
        issue_visit(
            station.session,
            person_id=surgeon.id,
            host_id=host.id,
            purpose="p",
            zone_ids=[station.zones[z].id for z in zones],
            valid_from=start,
            valid_until=end,
            actor=JOHN,
        )

    def test_allowed_zone(self, station: Station) -> None:
        self._visitor(station, ["hospital"])
        assert one(station, "Surgeon", "Hospital door", Direction.EXIT).rule_ids == (
            "door.visitor.visit-zones",
        )

    def test_other_zone(self, station: Station) -> None:
        self._visitor(station, ["rings"])
        assert not one(station, "Surgeon", "Hospital door", Direction.EXIT).allowed

    def test_resident_passes(self, station: Station) -> None:
        station.add_person("Ana", Affiliation.RESIDENT, zone="south")
        assert one(station, "Ana", "Hospital door", Direction.EXIT).allowed


class TestModes:
    """Lockdown stops everyone; evacuation opens doors only; maintenance lets crew only."""

    def test_lockdown(self, station: Station) -> None:
        station.add_person("Zane", Affiliation.VISITOR, party=station.vessel, zone="south")
        set_portal_mode(
            station.session,
            portal_id=station.portals["South airlock"].id,
            mode=PortalMode.LOCKDOWN,
            reason="standoff",
            actor=JOHN,
        )
        result = one(station, "Zane", "South airlock", Direction.EXIT)
        assert not result.allowed
        assert result.rule_ids == ("any.forbid.lockdown",)

    def test_evacuation_opens_doors(self, station: Station) -> None:
        station.add_person("Drifter", Affiliation.VISITOR, zone="south")
        set_portal_mode(
            station.session,
            portal_id=station.portals["Hospital door"].id,
            mode=PortalMode.EVACUATION,
            reason="fire",
            actor=JOHN,
        )
        assert one(station, "Drifter", "Hospital door", Direction.EXIT).allowed

    def test_evacuation_keeps_airlocks_governed(self, station: Station) -> None:
        station.add_person("Ana", Affiliation.RESIDENT, zone="south")
        set_portal_mode(
            station.session,
            portal_id=station.portals["South airlock"].id,
            mode=PortalMode.EVACUATION,
            reason="fire",
            actor=JOHN,
        )
        assert not one(station, "Ana", "South airlock", Direction.EXIT).allowed

    def test_maintenance(self, station: Station) -> None:
        station.add_person("Ana", Affiliation.RESIDENT, zone="south")
        station.add_person("George", Affiliation.CREW, zone="south")
        set_portal_mode(
            station.session,
            portal_id=station.portals["Hospital door"].id,
            mode=PortalMode.MAINTENANCE,
            reason="seal repair",
            actor=JOHN,
        )
        assert not one(station, "Ana", "Hospital door", Direction.EXIT).allowed
        assert one(station, "George", "Hospital door", Direction.EXIT).allowed

    def test_mode_change_logged(self, station: Station) -> None:
        set_portal_mode(
            station.session,
            portal_id="South airlock",
            mode=PortalMode.LOCKDOWN,
            reason="standoff",
            actor=JOHN,
        )
        event = station.session.scalars(
            select(Event).where(Event.kind == "access.portal.mode_changed")
        ).one()
        assert event.payload["reason"] == "standoff"
        assert event.actor == "John"


class TestPassback:
    """A person already on the far side cannot pass that way again."""

    def test_already_aboard_cannot_enter(self, station: Station) -> None:
        station.add_person("Ana", Affiliation.RESIDENT, zone="rings")
        result = one(station, "Ana", "South airlock", Direction.ENTER)
        assert not result.allowed
        assert result.rule_ids == ("any.forbid.passback",)

    def test_already_outside_cannot_exit(self, station: Station) -> None:
        station.add_person("Zane", Affiliation.VISITOR, party=station.vessel, zone="south_collar")
        assert not one(station, "Zane", "South airlock", Direction.EXIT).allowed


class TestFailClosed:
    """Unknown, deceased, erroring and undecided requests are denied and raise an alert."""

    def _alerts(self, station: Station) -> int:
        station.session.commit()  # a decision's events are in the log once committed
        return len(station.session.scalars(select(Event).where(Event.kind == "access.alert")).all())

    def test_unknown_person(self, station: Station) -> None:
        result = one(station, "nobody-badge", "South airlock", Direction.EXIT)
        assert not result.allowed
        assert "unknown person" in result.explanation
        assert self._alerts(station) == 1

    def test_deceased_person(self, station: Station) -> None:
        station.add_person(
            "Fallen", Affiliation.VISITOR, party=station.vessel, status=PersonStatus.DECEASED
        )
        result = one(station, "Fallen", "South airlock", Direction.EXIT)
        assert not result.allowed
        assert "deceased" in result.explanation
        assert self._alerts(station) == 1

    def test_missing_attribute(self, station: Station, monkeypatch: pytest.MonkeyPatch) -> None:
        station.add_person("Zane", Affiliation.VISITOR, party=station.vessel, zone="south")
        real = decisions.cedar_input_for

        def without_held(*args: Any) -> Any:
            made = real(*args)
            attrs = {k: v for k, v in made.person["attrs"].items() if k != "held"}
            return replace(made, person={**made.person, "attrs": attrs})

        monkeypatch.setattr(decisions, "cedar_input_for", without_held)
        result = one(station, "Zane", "South airlock", Direction.EXIT)
        assert not result.allowed
        assert "failed closed" in result.explanation
        assert self._alerts(station) == 1

    def test_evaluation_error(self, station: Station, monkeypatch: pytest.MonkeyPatch) -> None:
        station.add_person("Zane", Affiliation.VISITOR, party=station.vessel, zone="south")

        original = cedarpy.is_authorized

        def broken(request: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
            # The airlock's question crashes; the operator's authorization still works.
            if request.get("principal", {}).get("type") == "Operator":
                return original(request, *args, **kwargs)
            raise RuntimeError("engine crashed")

        monkeypatch.setattr("cedarpy.is_authorized", broken)
        result = one(station, "Zane", "South airlock", Direction.EXIT)
        assert not result.allowed
        assert "engine crashed" in result.explanation
        assert self._alerts(station) == 1

    def test_no_decision(self, station: Station, monkeypatch: pytest.MonkeyPatch) -> None:
        station.add_person("Zane", Affiliation.VISITOR, party=station.vessel, zone="south")
        monkeypatch.setattr(
            decisions,
            "evaluate",
            lambda *a: Verdict(False, (), (), "the policy engine reached no decision"),
        )
        result = one(station, "Zane", "South airlock", Direction.EXIT)
        assert not result.allowed
        assert self._alerts(station) == 1


class TestGroupRequest:
    """A group is decided person by person, stored, logged, and summed up for the guards."""

    def test_instruction_and_storage(self, station: Station) -> None:
        names = []
        for i in range(3):
            station.add_person(f"V{i}", Affiliation.VISITOR, party=station.vessel, zone="south")
            names.append(f"V{i}")
        for i in range(2):
            r = station.add_person(f"R{i}", Affiliation.RESIDENT, zone="south")
            place_hold(
                station.session,
                person_id=r.id,
                kind=HoldKind.PROVISIONAL,
                reason="suspected nanite influence",
                actor=JOHN,
            )
            names.append(f"R{i}")
        result = decide(station, names, "South airlock", Direction.EXIT)
        assert result.instruction == "3 may pass, 2 must be held back"
        rows = station.session.scalars(select(Decision)).all()
        assert len(rows) == 5
        assert all(r.policy_version == "shipped" for r in rows)
        station.session.commit()  # a decision's events are in the log once committed
        events = station.session.scalars(select(Event).where(Event.kind == "access.decided")).all()
        assert len(events) == 5
