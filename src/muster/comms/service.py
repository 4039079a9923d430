"""Messages: send them; voice clips.

Channel functions live in ``comms.channels``, each recipient's copy (delivered, read,
acknowledged, closed) in ``comms.recipients``, and what an actor may read in
``comms.reading``; the first two are re-exported here for callers. Who may do what is
``comms.rules``, called by each use case before it reads the resource.
"""

from __future__ import annotations

from collections.abc import Collection
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
from muster.comms.floor import check_floor, release_floor
from muster.comms.groups import parse_rule, person_query, resolve_rule
from muster.comms.models import Channel, Message, Recipient, VoiceClip
from muster.comms.recipients import (
    AckOutcome,
    acknowledge,
    close_message,
    mark_delivered,
    mark_delivered_many,
    mark_read,
    missed_messages,
    recipient_ids,
    record_persons,
    record_recipients,
)
from muster.comms.rules import SEND, authorize_send
from muster.comms.settings import CommsSettings, get_comms_settings
from muster.errors import Conflict, Forbidden, Invalid, NotFound
from muster.events.service import append_event
from muster.policy.actor import Actor
from muster.policy.authorize import authorize, authorize_channel

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
    "record_message",
    "record_recipients",
    "send_message",
    "store_clip",
]


def store_clip(
    session: Session, *, data: bytes, mime: str, actor: Actor, channel_id: str | None = None
) -> VoiceClip:
    """Keep a recorded push-to-talk clip; a message then refers to it.

    A handset token bound to channels must name the channel the clip is for.
    """
    if channel_id is not None:
        authorize_channel(actor, SEND, channel_id)
    elif actor.channel_ids is not None:
        raise Forbidden(
            f"{actor.label} may not {SEND} a clip without naming its channel: this handset "
            "token is bound to channels. Give channel_id.",
            action=SEND,
        )
    else:
        authorize(actor, SEND)
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
    settings: CommsSettings | None = None,
) -> Message:
    """Send on a channel, as ``actor``: the one use case every path sends through.

    Who may send or broadcast is ``authorize_send``; a voice clip keeps the push-to-talk
    floor rule (``check_floor``) and gives the floor back once sent.
    """
    channel = authorize_send(
        session, actor=actor, channel_id=channel_id, precedence=precedence, kind=kind
    )
    now = clock.now()
    if clip_id is not None:
        clip = get_clip(session, clip_id)
        if clip.sender_id != actor.id:
            raise Forbidden("a voice clip is sent only by the one who recorded it", action=SEND)
        check_floor(session, channel_id=channel.id, actor=actor, precedence=precedence, now=now)
    message = record_message(
        session,
        channel=channel,
        precedence=precedence,
        text=text,
        actor=actor,
        clip_id=clip_id,
        requires_ack=requires_ack,
        kind=kind,
        settings=settings,
    )
    if clip_id is not None:
        release_floor(session, channel_id=channel.id, actor=actor, now=now)
    return message


def record_message(
    session: Session,
    *,
    channel: Channel,
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
    """Resolve the channel's rule now, record a copy per recipient, and set the deadline.

    A rule that is one query of persons (everyone, a role, an incident's talk group) is
    resolved by the database as it writes the copies (``record_persons``); the others are
    resolved here first (``resolve_rule``).

    The recording step of a use case that has authorized its actor (a send, a CAP import).
    """
    settings = settings or get_comms_settings()
    if channel.archived_at is not None:
        raise Conflict(f"channel {channel.name!r} is archived; send on an open channel")
    if not text and clip_id is None:
        raise Invalid("a message needs text or a voice clip")
    rule = parse_rule(channel.rule)
    persons = person_query(session, rule)  # then the database writes the rows itself
    members = resolve_rule(session, rule) if persons is None else []
    if persons is None and not members:
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
    if persons is None:
        record_recipients(session, message_id=message.id, members=members)
        count, ids = len(members), [m.person_id for m in members]
    else:
        count = record_persons(session, message_id=message.id, persons=persons)
        if not count:  # refused like any send: the caller's transaction is rolled back
            raise Invalid(f"channel {channel.name!r} reaches no one now; check its rule")
        ids = recipient_ids(session, message.id) if count <= EVENT_RECIPIENT_LIMIT else []
    named = named_recipients(ids) if count <= EVENT_RECIPIENT_LIMIT else None
    event = append_event(
        session,
        kind="comms.rollcall.started" if kind is MessageKind.ROLL_CALL else "comms.message.sent",
        actor=actor,
        subjects=[message.id, channel.id, actor.person_id or "", *(named or [])],
        payload={
            **message_wire(message, channel.name),
            "recipient_count": count,
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
    channel_ids: Collection[str] | None = None,
) -> tuple[list[Message], int]:
    """Messages newest first, for a channel or a recipient; optionally only those still open.

    ``channel_ids`` keeps to those channels (a handset token's binding).
    """
    query = select(Message)
    if channel_id:
        query = query.where(Message.channel_id == channel_id)
    if channel_ids is not None:
        query = query.where(Message.channel_id.in_(list(channel_ids)))
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
