"""Check-ups of an authorized transfer: held in person by a welfare officer with a current
screening; they renew, suspend or revoke; overdue suspends; missed asks for a return."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from muster import clock
from muster.agreements.models import ReturnRequest
from muster.errors import Conflict, Forbidden
from muster.events.models import Event
from muster.medical.enums import ScreeningResult
from muster.policy.actor import Actor
from muster.welfare.checkups import pending_checkup, record_checkup, run_due_checkups
from muster.welfare.enums import CaseStatus, CheckupStatus
from welfare.helpers import approved, open_for
from welfare.station import Station

WEEK = timedelta(days=7)


def _kinds(station: Station) -> list[str]:
    return list(station.session.scalars(select(Event.kind)).all())


class TestCheckups:
    """Check-ups renew the authorization; an overdue one suspends it; a missed one asks a
    return."""

    def test_overdue_checkup_denies_the_next_airlock_request(self, station: Station) -> None:
        approved(station)
        later = clock.now() + WEEK + timedelta(minutes=1)
        with clock.frozen_at(later):
            assert not station.may_exit("Lisa")

    def test_scheduler_suspends_and_alerts_the_commander(self, station: Station) -> None:
        case = approved(station)
        later = clock.now() + WEEK + timedelta(minutes=1)
        assert run_due_checkups(station.session, now=later) == 1
        assert case.status is CaseStatus.SUSPENDED
        kinds = _kinds(station)
        assert "welfare.checkup.overdue" in kinds
        assert "welfare.alert.raised" in kinds
        assert run_due_checkups(station.session, now=later) == 0

    def test_checkup_renews_and_resumes(self, station: Station) -> None:
        case = approved(station)
        later = clock.now() + WEEK + timedelta(hours=1)
        run_due_checkups(station.session, now=later)
        with clock.frozen_at(later):
            station.screen("Lisa")
            record_checkup(
                station.session,
                case_id=case.id,
                still_wishes_to_stay=True,
                statement="I am well and wish to stay.",
                actor=station.actors["Amara"],
            )
            assert case.status is CaseStatus.APPROVED
            assert station.may_exit("Lisa")
        with clock.frozen_at(later + WEEK - timedelta(minutes=1)):
            assert station.may_exit("Lisa")

    def test_checkup_needs_a_current_screening(self, station: Station) -> None:
        case = approved(station)
        later = clock.now() + timedelta(days=6)
        with clock.frozen_at(later), pytest.raises(Conflict, match="screen"):
            record_checkup(
                station.session,
                case_id=case.id,
                still_wishes_to_stay=True,
                statement="fine",
                actor=station.actors["Amara"],
            )

    def test_checkup_is_for_welfare_officers(self, station: Station) -> None:
        case = approved(station)
        with pytest.raises(Forbidden):
            record_checkup(
                station.session,
                case_id=case.id,
                still_wishes_to_stay=True,
                statement="fine",
                actor=station.actors["Dominic"],
            )

    def test_no_longer_wishing_to_stay_revokes(self, station: Station) -> None:
        case = approved(station)
        record_checkup(
            station.session,
            case_id=case.id,
            still_wishes_to_stay=False,
            statement="I want to come home.",
            actor=station.actors["Amara"],
        )
        assert case.status is CaseStatus.REVOKED
        assert not station.may_exit("Lisa")

    def test_positive_screening_at_checkup_suspends(self, station: Station) -> None:
        case = approved(station)
        station.screen("Lisa", ScreeningResult.POSITIVE, hours_ago=0)
        record_checkup(
            station.session,
            case_id=case.id,
            still_wishes_to_stay=True,
            statement="I wish to stay.",
            actor=station.actors["Amara"],
        )
        assert case.status is CaseStatus.SUSPENDED
        assert not station.may_exit("Lisa")

    def test_missed_checkup_opens_a_return_request(self, station: Station) -> None:
        case = approved(station)
        checkup = pending_checkup(station.session, case.id)
        assert checkup is not None
        run_due_checkups(station.session, now=clock.now() + WEEK + timedelta(minutes=1))
        assert station.session.scalar(select(ReturnRequest)) is None
        run_due_checkups(station.session, now=clock.now() + WEEK + timedelta(hours=49))
        assert checkup.status is CheckupStatus.MISSED
        request = station.session.scalar(select(ReturnRequest))
        assert request is not None
        assert request.person_id == station.persons["Lisa"].id
        assert checkup.return_request_id == request.id


class TestWhoRecords:
    """A welfare officer records another's check-up, of a case that has them."""

    def test_not_ones_own(self, station: Station) -> None:
        """A welfare officer in a case of her own does not record her own check-up."""
        case = approved(station, "Lisa")
        lisa = Actor(
            kind="account",
            id="acct-lisa",
            name="Lisa",
            roles=frozenset({"welfare"}),
            person_id=station.persons["Lisa"].id,
        )
        with pytest.raises(Forbidden, match="no one records their own check-up"):
            record_checkup(
                station.session,
                case_id=case.id,
                still_wishes_to_stay=True,
                statement="fine",
                actor=lisa,
            )

    def test_a_case_not_yet_approved(self, station: Station) -> None:
        case = open_for(station)
        with pytest.raises(Conflict, match="it has no check-ups"):
            record_checkup(
                station.session,
                case_id=case.id,
                still_wishes_to_stay=True,
                statement="fine",
                actor=station.actors["Amara"],
            )
        assert case.status is CaseStatus.OPEN
