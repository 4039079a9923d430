"""Floor control: one speaker per channel; flash interrupts; grants run out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from comms.station import PEOPLE, Station
from muster.comms.enums import ChannelKind, Precedence
from muster.comms.floor import current_floor, release_floor, request_floor
from muster.comms.groups import PostsRule
from muster.comms.service import create_channel
from muster.policy.actor import Actor

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def person(station: Station, name: str) -> Actor:
    """A handset of the named person, with the roles the station gives them."""
    roles = frozenset(PEOPLE[name][0])
    return Actor(
        kind="token", id=f"t-{name}", name=name, roles=roles, person_id=station.persons[name]
    )


def west(session: Session, station: Station) -> str:
    """The West airlock channel's id."""
    return create_channel(
        session,
        name="West airlock",
        kind=ChannelKind.GROUP,
        rule=PostsRule(portal_id=station.portals["West airlock"]),
        actor=Actor.system(),
    ).id


def ask(session: Session, channel: str, who: Actor, precedence: Precedence, at: datetime) -> bool:
    """Request the floor; True if granted."""
    outcome = request_floor(
        session, channel_id=channel, actor=who, precedence=precedence, now=at, hold_seconds=30
    )
    return outcome.granted


class TestOneSpeaker:
    """While one handset talks, another is refused at the same precedence."""

    def test_second_speaker_refused(self, session: Session, station: Station) -> None:
        """Tara cannot take the floor Wes holds."""
        channel = west(session, station)
        assert ask(session, channel, person(station, "Wes"), Precedence.ROUTINE, T0)
        assert not ask(session, channel, person(station, "Tara"), Precedence.IMMEDIATE, T0)

    def test_release_frees_it(self, session: Session, station: Station) -> None:
        """After Wes releases, Tara may speak."""
        channel = west(session, station)
        ask(session, channel, person(station, "Wes"), Precedence.ROUTINE, T0)
        assert release_floor(session, channel_id=channel, actor=person(station, "Wes"), now=T0)
        assert ask(session, channel, person(station, "Tara"), Precedence.ROUTINE, T0)

    def test_grant_runs_out(self, session: Session, station: Station) -> None:
        """A floor not released is free again after its hold time."""
        channel = west(session, station)
        ask(session, channel, person(station, "Wes"), Precedence.ROUTINE, T0)
        later = T0 + timedelta(seconds=31)
        assert current_floor(session, channel_id=channel, now=later) is None
        assert ask(session, channel, person(station, "Tara"), Precedence.ROUTINE, later)


class TestFlash:
    """Flash precedence interrupts a lower speaker but not another flash."""

    def test_flash_interrupts(self, session: Session, station: Station) -> None:
        """Dominic at flash takes the floor from Wes and the interruption is named."""
        channel = west(session, station)
        ask(session, channel, person(station, "Wes"), Precedence.PRIORITY, T0)
        outcome = request_floor(
            session,
            channel_id=channel,
            actor=person(station, "Dominic"),
            precedence=Precedence.FLASH,
            now=T0,
            hold_seconds=30,
        )
        assert outcome.granted
        assert outcome.interrupted_id == station.persons["Wes"]
        assert not release_floor(session, channel_id=channel, actor=person(station, "Wes"), now=T0)

    def test_flash_does_not_interrupt_flash(self, session: Session, station: Station) -> None:
        """A second flash waits for the first."""
        channel = west(session, station)
        ask(session, channel, person(station, "Dominic"), Precedence.FLASH, T0)
        assert not ask(session, channel, person(station, "Ken"), Precedence.FLASH, T0)
