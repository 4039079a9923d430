"""What an actor may read of comms: channels, members, messages, boards, clips, CAP, PA.

Each function is the read use case of one thing and authorizes its actor first
(``comms.rules``): a handset token bound to channels reads only those channels, and a
list without a channel named keeps to them. The API, the console, the CLI and the
handsets read through these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster import clock
from muster.comms import cap
from muster.comms.board import get_board
from muster.comms.channels import get_channel, list_channels
from muster.comms.groups import Member, parse_rule, resolve_rule
from muster.comms.models import Announcement, Channel, Message, VoiceClip
from muster.comms.rules import READ, authorize_message, channel_scope
from muster.comms.schemas import Board
from muster.comms.service import get_clip, list_messages
from muster.comms.tts import get_announcement
from muster.errors import Forbidden
from muster.policy.actor import Actor
from muster.policy.authorize import authorize, authorize_channel, may_use_channel


def admit_handset(actor: Actor) -> None:
    """Refuse a handset connection unless its actor is a person who may read comms."""
    if not actor.person_id:
        raise Forbidden("this account is not linked to a person, so it cannot be a handset")
    authorize(actor, READ)


def channels_for(
    session: Session, *, actor: Actor, limit: int = 50, offset: int = 0
) -> tuple[list[Channel], int]:
    """The channels the actor may see, by name."""
    authorize(actor, READ)
    return list_channels(session, limit=limit, offset=offset, channel_ids=channel_scope(actor))


@dataclass(frozen=True)
class ChannelMembers:
    """A channel and whom its rule names right now."""

    channel: Channel
    members: list[Member]


def channel_members(session: Session, *, actor: Actor, channel_id: str) -> ChannelMembers:
    """Whom the channel's rule names right now (a message sent now would reach them)."""
    authorize_channel(actor, READ, channel_id)
    channel = get_channel(session, channel_id)
    return ChannelMembers(channel, resolve_rule(session, parse_rule(channel.rule)))


def messages_for(
    session: Session,
    *,
    actor: Actor,
    channel_id: str | None = None,
    person_id: str | None = None,
    open_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Message], int]:
    """Messages newest first, of a channel or a recipient, among the channels the actor may see."""
    if channel_id:
        authorize_channel(actor, READ, channel_id)
    else:
        authorize(actor, READ)
    return list_messages(
        session,
        channel_id=channel_id,
        person_id=person_id,
        unacknowledged=open_only,
        limit=limit,
        offset=offset,
        channel_ids=channel_scope(actor),
    )


def message_for(session: Session, *, actor: Actor, message_id: str) -> Message:
    """One message, if the actor may read its channel."""
    return authorize_message(session, actor=actor, action=READ, message_id=message_id)


def board_for(
    session: Session, *, actor: Actor, message_id: str, now: datetime | None = None
) -> Board:
    """A message's acknowledgement board, if the actor may read its channel."""
    authorize_message(session, actor=actor, action=READ, message_id=message_id)
    return get_board(session, message_id=message_id, now=now or clock.now())


def cap_for(session: Session, *, actor: Actor, message_id: str, exercise: bool = False) -> bytes:
    """A message as a CAP 1.2 alert, if the actor may read its channel."""
    authorize_message(session, actor=actor, action=READ, message_id=message_id)
    return cap.export_cap(session, message_id=message_id, exercise=exercise)


def clip_for(session: Session, *, actor: Actor, clip_id: str) -> VoiceClip:
    """A voice clip: a bound handset hears it only on its channels, or its own recording."""
    authorize(actor, READ)
    clip = get_clip(session, clip_id)
    if channel_scope(actor) is None or clip.sender_id == actor.id:
        return clip
    channels = session.scalars(select(Message.channel_id).where(Message.clip_id == clip.id))
    if not any(may_use_channel(actor, c) for c in channels):
        raise Forbidden(
            f"{actor.label} may not {READ} this voice clip: it was sent on channels this "
            "handset token is not bound to.",
            action=READ,
        )
    return clip


def announcement_for(session: Session, *, actor: Actor, announcement_id: str) -> Announcement:
    """A public-address announcement; a bound handset hears one only with its channel's order."""
    authorize(actor, READ)
    row = get_announcement(session, announcement_id)
    if channel_scope(actor) is None:
        return row
    message = session.get(Message, row.message_id) if row.message_id else None
    if message is None or not may_use_channel(actor, message.channel_id):
        raise Forbidden(
            f"{actor.label} may not {READ} this announcement: it belongs to no channel this "
            "handset token is bound to.",
            action=READ,
        )
    return row
