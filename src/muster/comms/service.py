"""Messages: send, deliver, read, acknowledge, close; voice clips.

Channel functions live in ``comms.channels`` and are re-exported here for callers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster import clock
from muster.auth.actor import Actor
from muster.comms.channels import (
    BROADCAST_CHANNEL,
    create_channel,
    create_incident_channel,
    ensure_broadcast_channel,
    find_channel,
    get_channel,
    list_channels,
)
from muster.comms.enums import (
    MessageKind,
    Precedence,
    RecipientReason,
    RollCallResult,
)
from muster.comms.groups import parse_rule, resolve_rule
from muster.comms.models import AckKey, Channel, Message, Recipient, VoiceClip
from muster.comms.settings import CommsSettings, get_comms_settings
from muster.errors import Conflict, Invalid, NotFound
from muster.events.service import append_event

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
    session.add_all(
        Recipient(
            message_id=message.id,
            person_id=m.person_id,
            post_id=m.post_id,
            reason=RecipientReason.ADDRESSED,
        )
        for m in members
    )
    recipients = [m.person_id for m in members]
    named = named_recipients(recipients)
    event = append_event(
        session,
        kind="comms.rollcall.started" if kind is MessageKind.ROLL_CALL else "comms.message.sent",
        actor=actor,
        subjects=[message.id, channel.id, actor.person_id or "", *(named or [])],
        payload={
            **message_wire(message, channel.name),
            "recipient_count": len(recipients),
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


def _recipient(session: Session, message_id: str, person_id: str) -> Recipient:
    row = session.get(Recipient, (message_id, person_id))
    if row is None:
        raise NotFound(f"person {person_id!r} is not a recipient of message {message_id!r}")
    return row


def mark_delivered(session: Session, *, message_id: str, person_id: str, actor: Actor) -> Recipient:
    """Record that the message reached the person's handset or console (first time only)."""
    row = _recipient(session, message_id, person_id)
    if row.delivered_at is None:
        row.delivered_at = clock.now()
        append_event(
            session,
            kind="comms.message.delivered",
            actor=actor,
            subjects=[message_id, person_id],
            payload={"message_id": message_id, "person_id": person_id},
        )
    return row


def mark_read(session: Session, *, message_id: str, person_id: str, actor: Actor) -> Recipient:
    """Record that the person opened or heard the message (first time only)."""
    row = _recipient(session, message_id, person_id)
    now = clock.now()
    if row.read_at is None:
        row.delivered_at = row.delivered_at or now
        row.read_at = now
        append_event(
            session,
            kind="comms.message.read",
            actor=actor,
            subjects=[message_id, person_id],
            payload={"message_id": message_id, "person_id": person_id},
        )
    return row


@dataclass(frozen=True)
class AckOutcome:
    """Who this acknowledgement covered, who had already answered, and whether it replayed."""

    message_id: str
    acknowledged: list[str]
    already: list[str]
    replayed: bool
    complete: bool


def _addressed(session: Session, message_id: str) -> list[Recipient]:
    query = select(Recipient).where(
        Recipient.message_id == message_id, Recipient.reason == RecipientReason.ADDRESSED
    )
    return list(session.scalars(query))


def acknowledge(
    session: Session,
    *,
    message_id: str,
    actor: Actor,
    person_ids: list[str] | None = None,
    post_id: str | None = None,
    key: str | None = None,
) -> AckOutcome:
    """Acknowledge for persons, for a post, or for the actor; a retried key changes nothing."""
    message = get_message(session, message_id, lock=True)
    request: dict[str, Any] = {"person_ids": sorted(person_ids or []), "post_id": post_id}
    if key:
        used = session.get(AckKey, (message_id, key))
        if used is not None:
            if used.request != request:
                raise Conflict("this Idempotency-Key was already used for another acknowledgement")
            return AckOutcome(message_id, list(used.person_ids), [], True, _complete(message))
    addressed = {r.person_id: r for r in _addressed(session, message_id)}
    if post_id:
        targets = [r for r in addressed.values() if r.post_id == post_id]
        if not targets:
            raise NotFound(f"no recipient of message {message_id!r} stands at post {post_id!r}")
    elif person_ids:
        missing = [p for p in person_ids if p not in addressed]
        if missing:
            raise NotFound(f"not recipients of this message: {', '.join(missing)}")
        targets = [addressed[p] for p in dict.fromkeys(person_ids)]
    elif actor.person_id and actor.person_id in addressed:
        targets = [addressed[actor.person_id]]
    else:
        raise Invalid("name the persons or the post to acknowledge for; you are not a recipient")
    now = clock.now()
    fresh = [r for r in targets if r.acked_at is None]
    for row in fresh:
        row.acked_at = now
        row.delivered_at = row.delivered_at or now
        row.acked_by = actor.label
    if fresh:
        append_event(
            session,
            kind="comms.message.acknowledged",
            actor=actor,
            subjects=[message_id, post_id or "", *(r.person_id for r in fresh)],
            payload={
                "message_id": message_id,
                "persons": [r.person_id for r in fresh],
                "post_id": post_id,
                "late": message.escalation_level > 0,
            },
        )
    acked = [r.person_id for r in fresh]
    if key:
        session.add(
            AckKey(
                message_id=message_id, key=key, request=request, person_ids=acked, created_at=now
            )
        )
    if fresh and all(r.acked_at is not None for r in addressed.values()):
        _close(session, message, actor=actor, result=RollCallResult.COMPLETE, now=now)
    already = [r.person_id for r in targets if r not in fresh]
    return AckOutcome(message_id, acked, already, False, _complete(message))


def _complete(message: Message) -> bool:
    return message.result == RollCallResult.COMPLETE.value


def _close(
    session: Session, message: Message, *, actor: Actor, result: RollCallResult, now: datetime
) -> None:
    message.closed_at = now
    message.due_at = None
    message.result = result.value
    append_event(
        session,
        kind="comms.rollcall.closed"
        if message.kind is MessageKind.ROLL_CALL
        else "comms.message.closed",
        actor=actor,
        subjects=[message.id, message.channel_id],
        payload={"message_id": message.id, "result": result.value},
    )


def close_message(session: Session, *, message_id: str, actor: Actor) -> Message:
    """End a roll call or order now: complete if all answered, otherwise incomplete."""
    message = get_message(session, message_id, lock=True)
    if message.closed_at is not None:
        return message
    silent = [r for r in _addressed(session, message_id) if r.acked_at is None]
    result = RollCallResult.INCOMPLETE if silent else RollCallResult.COMPLETE
    _close(session, message, actor=actor, result=result, now=clock.now())
    return message


def mark_delivered_many(
    session: Session, *, message_id: str, person_ids: list[str], actor: Actor
) -> list[str]:
    """Record delivery for many recipients at once (handsets report in batches)."""
    rows = session.scalars(
        select(Recipient).where(
            Recipient.message_id == message_id,
            Recipient.person_id.in_(person_ids),
            Recipient.delivered_at.is_(None),
        )
    ).all()
    now = clock.now()
    for row in rows:
        row.delivered_at = now
    fresh = [r.person_id for r in rows]
    if fresh:
        append_event(
            session,
            kind="comms.message.delivered",
            actor=actor,
            subjects=[message_id, *fresh],
            payload={"message_id": message_id, "persons": fresh},
        )
    return fresh


def missed_messages(
    session: Session, *, person_id: str, after_seq: int, limit: int = 200
) -> list[tuple[Message, str]]:
    """What a handset missed: messages after its cursor, or never delivered; with channel names."""
    query = (
        select(Message, Channel.name)
        .join(Recipient, Recipient.message_id == Message.id)
        .join(Channel, Channel.id == Message.channel_id)
        .where(
            Recipient.person_id == person_id,
            (Message.event_seq > after_seq) | Recipient.delivered_at.is_(None),
        )
        .order_by(Message.event_seq)
        .limit(limit)
    )
    return [(m, name) for m, name in session.execute(query).all()]
