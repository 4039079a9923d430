"""The transfer an approved case grants: revocation and holds at the airlock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from muster import clock
from muster.access.enums import HoldKind
from muster.access.holds import lift_hold, place_hold
from muster.errors import Conflict
from muster.events.models import Event
from muster.welfare.checkups import pending_checkup
from muster.welfare.enums import CaseStatus
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
