"""The transfer an approved case grants: revocation, holds and check-ups at the airlock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from muster import clock
from muster.access.enums import HoldKind
from muster.access.holds import lift_hold, place_hold
from muster.agreements.models import ReturnRequest
from muster.errors import Conflict, Forbidden
from muster.events.models import Event
from muster.medical.enums import ScreeningResult
from muster.welfare.checkups import pending_checkup, record_checkup, run_due_checkups
from muster.welfare.enums import CaseStatus, CheckupStatus
from muster.welfare.transfer import revoke_consent
from welfare.helpers import approved
from welfare.station import Station

WEEK = timedelta(days=7)


def _kinds(station: Station) -> list[str]:
    return list(station.session.scalars(select(Event.kind)).all())


class TestGrant:
    """An approved case lets that person, and no one else, out to that vessel."""

    def test_only_the_person_of_the_case_may_exit(self, station: Station) -> None:
        station.person("Omar")
        approved(station)
        assert station.may_exit("Lisa")
        assert not station.may_exit("Omar")

    def test_a_first_checkup_is_scheduled_a_week_on(self, station: Station) -> None:
        case = approved(station)
        checkup = pending_checkup(station.session, case.id)
        assert checkup is not None
        assert checkup.due_at - clock.now() <= WEEK
        assert checkup.due_at - clock.now() > WEEK - timedelta(minutes=1)


class TestRevocation:
    """Revocation by the person ends the authorization at once."""

    def test_revocation_denies_the_next_airlock_request(self, station: Station) -> None:
        case = approved(station)
        assert station.may_exit("Lisa")
        revoke_consent(
            station.session,
            person_id=station.persons["Lisa"].id,
            statement="I have changed my mind; I am staying.",
            actor=station.actors["Dominic"],
        )
        assert case.status is CaseStatus.REVOKED
        assert not station.may_exit("Lisa")
        assert pending_checkup(station.session, case.id) is None

    def test_an_open_case_is_revoked_too(self, station: Station) -> None:
        from welfare.helpers import open_for

        case = open_for(station)
        revoke_consent(
            station.session, case_id=case.id, statement="I withdraw.", actor=station.actors["John"]
        )
        assert case.status is CaseStatus.REVOKED

    def test_revocation_needs_the_persons_words(self, station: Station) -> None:
        from muster.errors import Invalid

        approved(station)
        with pytest.raises(Invalid):
            revoke_consent(
                station.session,
                person_id=station.persons["Lisa"].id,
                statement=" ",
                actor=station.actors["Dominic"],
            )

    def test_nothing_to_revoke_is_a_conflict(self, station: Station) -> None:
        with pytest.raises(Conflict):
            revoke_consent(
                station.session,
                person_id=station.persons["Lisa"].id,
                statement="stop",
                actor=station.actors["Dominic"],
            )


class TestHold:
    """A hold overrides an approved case."""

    def test_hold_denies_exit_and_lifting_it_restores(self, station: Station) -> None:
        approved(station)
        hold = place_hold(
            station.session,
            person_id=station.persons["Lisa"].id,
            kind=HoldKind.PROVISIONAL,
            reason="under review",
            actor=station.actors["John"],
        )
        assert not station.may_exit("Lisa")
        lift_hold(station.session, hold_id=hold.id, reason="reviewed", actor=station.actors["John"])
        assert station.may_exit("Lisa")


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
