"""What one may read of comms: a handset only its own channels, and only as a person."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from comms.station import Station, airlock_order, commander
from muster.comms.enums import ChannelKind, Precedence
from muster.comms.groups import PostsRule
from muster.comms.models import Message
from muster.comms.reading import (
    admit_handset,
    board_for,
    channels_for,
    clip_for,
    message_for,
    messages_for,
)
from muster.comms.service import create_channel, send_message, store_clip
from muster.errors import Forbidden, NotFound
from muster.policy.actor import Actor

RIFF = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 28


def handset(station: Station, name: str, *channel_ids: str) -> Actor:
    """A guard's handset token, bound to ``channel_ids``."""
    return Actor(
        kind="token",
        id=f"tok-{name}",
        name=f"{name}'s handset",
        roles=frozenset({"guard"}),
        person_id=station.persons[name],
        channel_ids=frozenset(channel_ids),
    )


def two_channels(session: Session, station: Station) -> tuple[str, str]:
    """The airlock posts' order (its channel) and a West-only channel; their channel ids."""
    message_id = airlock_order(session, station)
    airlocks = session.get(Message, message_id)
    assert airlocks is not None
    west = create_channel(
        session,
        name="West post",
        kind=ChannelKind.GROUP,
        rule=PostsRule(post_id=station.posts["West airlock post"]),
        actor=commander(station),
    )
    return airlocks.channel_id, west.id


class TestHandsets:
    """A handset is a person's; bound to channels, it reads those and nothing else."""

    def test_an_account_without_a_person_is_no_handset(self) -> None:
        with pytest.raises(Forbidden, match="not linked to a person"):
            admit_handset(Actor.system("gateway"))

    def test_a_visitor_account_is_no_handset(self, station: Station) -> None:
        bahati = Actor(
            kind="account",
            id="acct-bahati",
            name="Bahati",
            roles=frozenset(),
            person_id=station.persons["Bahati"],
        )
        with pytest.raises(Forbidden, match=r"comms\.read"):
            admit_handset(bahati)

    def test_channels_of_its_own(self, session: Session, station: Station) -> None:
        airlocks, west = two_channels(session, station)
        rows, total = channels_for(session, actor=handset(station, "Gail", airlocks))
        assert ([c.id for c in rows], total) == ([airlocks], 1)
        everything, _ = channels_for(session, actor=commander(station))
        assert {c.id for c in everything} == {airlocks, west}

    def test_messages_of_another_channel(self, session: Session, station: Station) -> None:
        airlocks, west = two_channels(session, station)
        gail = handset(station, "Gail", airlocks)
        with pytest.raises(Forbidden, match="bound to other channels"):
            messages_for(session, actor=gail, channel_id=west)
        rows, _ = messages_for(session, actor=gail)
        assert {m.channel_id for m in rows} == {airlocks}
        with pytest.raises(Forbidden, match="bound to other channels"):
            board_for(session, actor=handset(station, "Wes", west), message_id=rows[0].id)

    def test_an_unknown_message(self, session: Session, station: Station) -> None:
        with pytest.raises(NotFound, match="no message"):
            message_for(session, actor=commander(station), message_id="nope")


class TestClips:
    """A voice clip is heard on the channels it was sent on, or by the one who recorded it."""

    def test_a_clip_sent_elsewhere(self, session: Session, station: Station) -> None:
        airlocks, west = two_channels(session, station)
        clip = store_clip(session, data=RIFF, mime="audio/wav", actor=commander(station))
        send_message(
            session,
            channel_id=west,
            precedence=Precedence.ROUTINE,
            text="",
            clip_id=clip.id,
            actor=commander(station),
        )
        assert clip_for(session, actor=handset(station, "Wes", west), clip_id=clip.id) == clip
        with pytest.raises(Forbidden, match="not bound to"):
            clip_for(session, actor=handset(station, "Gail", airlocks), clip_id=clip.id)
