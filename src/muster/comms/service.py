"""Messages: send and read them; voice clips.

Channel functions live in ``comms.channels`` and each recipient's copy (delivered, read,
acknowledged, closed) in ``comms.recipients``; both are re-exported here for callers.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster import clock
from muster.comms.channels import (
    BROADCAST_CHANNEL,
    create_channel,
    create_incident_channel,
    ensure_broadcast_channel,
    find_channel,
    get_channel,
    list_channels,
)
from muster.comms.enums import MessageKind, Precedence
from muster.comms.groups import parse_rule, resolve_rule
from muster.comms.models import Message, Recipient, VoiceClip
from muster.comms.recipients import (
    AckOutcome,
    acknowledge,
    close_message,
    mark_delivered,
    mark_delivered_many,
    mark_read,
    missed_messages,
    record_recipients,
)
from muster.comms.settings import CommsSettings, get_comms_settings
from muster.errors import Conflict, Invalid, NotFound
from muster.events.service import append_event
from muster.policy.actor import Actor

EVENT_RECIPIENT_LIMIT = 64

__all__ = [
    "BROADCAST_CHANNEL",
    "AckOutcome",
    "acknowledge",
    "close_message",
    "create_channel",
    "create_incident_channel",
    "ensure_broadcast_channel",
    "find_channel",
    "get_channel",
    "get_clip",
    "get_message",
    "list_channels",
    "list_messages",
    "mark_delivered",
    "mark_delivered_many",
    "mark_read",
    "message_wire",
    "missed_messages",
    "named_recipients",
    "record_recipients",
    "send_message",
    "store_clip",
]


def store_clip(session: Session, *, data: bytes, mime: str, actor: Actor) -> VoiceClip:
    """Keep a recorded push-to-talk clip; a message then refers to it."""
    limit = get_comms_settings().clip_max_bytes
    if not data:
        raise Invalid("the voice clip is empty; hold the talk button while speaking")
    if len(data) > limit:
        raise Invalid(f"the voice clip is {len(data)} bytes; the most is {limit}")
    if not mime.startswith("audio/"):
        raise Invalid(f"a voice clip must be audio, not {mime!r}")
    clip = VoiceClip(
        mime=mime[:80], data=data, size=len(data), sender_id=actor.id, created_at=clock.now()
    )
    session.add(clip)
    session.flush()
    return clip


def get_clip(session: Session, clip_id: str) -> VoiceClip:
    """A stored voice clip."""
    clip = session.get(VoiceClip, clip_id)
    if clip is None:
        raise NotFound(f"no voice clip with id {clip_id!r}")
    return clip


def named_recipients(person_ids: list[str]) -> list[str] | None:
    """The recipients to name in an event, or None when there are too many to carry.

    A broadcast to thousands keeps its per-person record in ``comms_recipients``; naming
    them all in the event would make every live console download the crew list per order.
    """
    return person_ids if len(person_ids) <= EVENT_RECIPIENT_LIMIT else None


def message_wire(message: Message, channel_name: str) -> dict[str, Any]:
    """The form of a message that handsets, consoles and events carry."""
    return {
        "id": message.id,
        "channel_id": message.channel_id,
        "channel": channel_name,
        "kind": message.kind.value,
        "precedence": message.precedence.value,
        "sender": message.sender_name,
        "sender_person_id": message.sender_person_id,
        "text": message.text,
        "clip_id": message.clip_id,
        "requires_ack": message.requires_ack,
        "sent_at": message.sent_at,
        "due_at": message.due_at,
        "source": message.source,
    }


def send_message(
    session: Session,
    *,
    channel_id: str,
    precedence: Precedence,
    text: str,
    actor: Actor,
    clip_id: str | None = None,
    requires_ack: bool | None = None,
    kind: MessageKind = MessageKind.MESSAGE,
    source: str = "local",
    external_id: str | None = None,
    sender_name: str | None = None,
    settings: CommsSettings | None = None,
) -> Message:
    """Resolve the channel's rule now, record a copy per recipient, and set the deadline."""
    settings = settings or get_comms_settings()
    channel = get_channel(session, channel_id)
    if channel.archived_at is not None:
        raise Conflict(f"channel {channel.name!r} is archived; send on an open channel")
    if clip_id is not None:
        get_clip(session, clip_id)
    if not text and clip_id is None:
        raise Invalid("a message needs text or a voice clip")
    members = resolve_rule(session, parse_rule(channel.rule))
    if not members:
        raise Invalid(f"channel {channel.name!r} reaches no one now; check its rule")
    needs_ack = requires_ack if requires_ack is not None else precedence is not Precedence.ROUTINE
    needs_ack = needs_ack or kind is MessageKind.ROLL_CALL
    now = clock.now()
    seconds = settings.ack_seconds(precedence) if needs_ack else None
    message = Message(
        channel_id=channel.id,
        kind=kind,
        precedence=precedence,
        sender_id=actor.id,
        sender_name=sender_name or actor.label,
        sender_person_id=actor.person_id,
        text=text,
        clip_id=clip_id,
        requires_ack=needs_ack,
        ack_seconds=seconds,
        rule=channel.rule,
        sent_at=now,
        due_at=now + timedelta(seconds=seconds) if seconds is not None else None,
        source=source,
        external_id=external_id,
    )
    session.add(message)
    session.flush()
    record_recipients(session, message_id=message.id, members=members)
    named = named_recipients([m.person_id for m in members])
    event = append_event(
        session,
        kind="comms.rollcall.started" if kind is MessageKind.ROLL_CALL else "comms.message.sent",
        actor=actor,
        subjects=[message.id, channel.id, actor.person_id or "", *(named or [])],
        payload={
            **message_wire(message, channel.name),
            "recipient_count": len(members),
            **({"recipients": named} if named is not None else {}),
        },
    )
    message.event_seq = event.seq
    return message


def get_message(session: Session, message_id: str, *, lock: bool = False) -> Message:
    """The message with ``message_id``."""
    message = session.get(Message, message_id, with_for_update=lock or None)
    if message is None:
        raise NotFound(f"no message with id {message_id!r}")
    return message


def list_messages(
    session: Session,
    *,
    channel_id: str | None = None,
    person_id: str | None = None,
    unacknowledged: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Message], int]:
    """Messages newest first, for a channel or a recipient; optionally only those still open."""
    query = select(Message)
    if channel_id:
        query = query.where(Message.channel_id == channel_id)
    if person_id:
        query = query.where(
            Message.id.in_(select(Recipient.message_id).where(Recipient.person_id == person_id))
        )
    if unacknowledged:
        query = query.where(Message.requires_ack.is_(True), Message.closed_at.is_(None))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Message.sent_at.desc(), Message.id).limit(limit).offset(offset)
    )
    return list(rows), total
