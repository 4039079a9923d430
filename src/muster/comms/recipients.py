"""Each recipient's copy of a message: recorded in bulk, then delivered, read, acknowledged.

A message names its audience once; ``comms_recipients`` holds one row per person (the
durable record of who an order reached), written here with one Core statement however
many the audience. Acknowledgements are idempotent: an acknowledged row stays as it was,
and a retried ``Idempotency-Key`` replays the first answer.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Select, Table, insert, literal, null, select
from sqlalchemy.orm import Session

from muster import clock
from muster.comms.enums import MessageKind, RecipientReason, RollCallResult
from muster.comms.groups import Member
from muster.comms.models import AckKey, Channel, Message, Recipient
from muster.comms.rules import ACKNOWLEDGE, ACKNOWLEDGE_OTHERS, BROADCAST, READ, authorize_message
from muster.comms.standing import accounted_for
from muster.errors import Conflict, Invalid, NotFound
from muster.events.service import AWAIT_SEAL, append_event
from muster.people.models import Person
from muster.policy.actor import Actor
from muster.policy.authorize import authorize

_RECIPIENTS = cast(Table, Recipient.__table__)
_INSERT_RECIPIENTS = insert(_RECIPIENTS)


def record_recipients(
    session: Session,
    *,
    message_id: str,
    members: Sequence[Member],
    reason: RecipientReason = RecipientReason.ADDRESSED,
) -> None:
    """Write one recipient row per member in a single executemany, without ORM objects."""
    if not members:
        return
    session.execute(
        _INSERT_RECIPIENTS,
        [
            {
                "message_id": message_id,
                "person_id": m.person_id,
                "post_id": m.post_id,
                "reason": reason,
                "resent_count": 0,
            }
            for m in members
        ],
    )


def record_persons(
    session: Session,
    *,
    message_id: str,
    persons: Select[str],
    reason: RecipientReason = RecipientReason.ADDRESSED,
) -> int:
    """Write one recipient row per person id that ``persons`` selects, in one
    ``INSERT ... SELECT`` run by the database (no row passes through Python: a flash order
    to 3,000 crew writes its rows in about a third of the time an executemany takes);
    return how many were written."""
    rows = persons.with_only_columns(
        literal(message_id, _RECIPIENTS.c.message_id.type),
        Person.id,
        null(),
        literal(reason, _RECIPIENTS.c.reason.type),
        literal(0),
    )
    columns = ["message_id", "person_id", "post_id", "reason", "resent_count"]
    insert_rows = _INSERT_RECIPIENTS.from_select(columns, rows)
    # rowcount is kept only when asked for (SQLAlchemy otherwise gives -1 on psycopg)
    result = session.execute(insert_rows.execution_options(preserve_rowcount=True))
    return int(cast(CursorResult[Any], result).rowcount)


def recipient_ids(session: Session, message_id: str) -> list[str]:
    """The persons who have a copy of the message, by name."""
    query = (
        select(Recipient.person_id)
        .join(Person, Person.id == Recipient.person_id)
        .where(Recipient.message_id == message_id)
        .order_by(Person.name)
    )
    return list(session.scalars(query))


def _recipient(session: Session, message_id: str, person_id: str) -> Recipient:
    row = session.get(Recipient, (message_id, person_id))
    if row is None:
        raise NotFound(f"person {person_id!r} is not a recipient of message {message_id!r}")
    return row


def _reporting_for(
    session: Session, *, message_id: str, actor: Actor, person_id: str | None
) -> Recipient:
    """The recipient row a delivery or read report is about: the actor's own, as a rule."""
    authorize_message(session, actor=actor, action=READ, message_id=message_id)
    if person_id is None or person_id != actor.person_id:
        if person_id is None:
            raise Invalid("this account is not linked to a person, so it receives no messages")
        authorize(actor, ACKNOWLEDGE_OTHERS)
    return _recipient(session, message_id, person_id)


def mark_delivered(
    session: Session, *, message_id: str, actor: Actor, person_id: str | None = None
) -> Recipient:
    """Record that the message reached the person's handset or console (first time only).

    The person is the actor's own unless named; reporting for another needs
    ``comms.acknowledge.others``.
    """
    person_id = person_id or actor.person_id
    row = _reporting_for(session, message_id=message_id, actor=actor, person_id=person_id)
    person_id = row.person_id
    if row.delivered_at is None:
        row.delivered_at = clock.now()
        append_event(
            session,
            kind="comms.message.delivered",
            actor=actor,
            subjects=[message_id, person_id],
            payload={"message_id": message_id, "person_id": person_id},
            defer_seal=True,
        )
        session.info[AWAIT_SEAL] = True  # answered once sealed: the reply's reader finds it
    return row


def mark_read(
    session: Session, *, message_id: str, actor: Actor, person_id: str | None = None
) -> Recipient:
    """Record that the person (the actor's own unless named) opened or heard the message."""
    person_id = person_id or actor.person_id
    row = _reporting_for(session, message_id=message_id, actor=actor, person_id=person_id)
    person_id = row.person_id
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
            defer_seal=True,
        )
        session.info[AWAIT_SEAL] = True  # answered once sealed: the reply's reader finds it
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
    """Acknowledge for persons, for a post, or for the actor; a retried key changes nothing.

    One answers for oneself and for a post one stands at; answering for anyone else needs
    ``comms.acknowledge.others``.
    """
    message = authorize_message(
        session, actor=actor, action=ACKNOWLEDGE, message_id=message_id, lock=True
    )
    addressed = {r.person_id: r for r in _addressed(session, message_id)}
    if post_id:
        at_post = {p for p, r in addressed.items() if r.post_id == post_id}
        if actor.person_id not in at_post:
            authorize(actor, ACKNOWLEDGE_OTHERS)
    elif person_ids and set(person_ids) != {actor.person_id}:
        authorize(actor, ACKNOWLEDGE_OTHERS)
    request: dict[str, Any] = {"person_ids": sorted(person_ids or []), "post_id": post_id}
    if key:
        used = session.get(AckKey, (message_id, key))
        if used is not None:
            if used.request != request:
                raise Conflict("this Idempotency-Key was already used for another acknowledgement")
            return AckOutcome(message_id, list(used.person_ids), [], True, _complete(message))
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
            defer_seal=True,
        )
        session.info[AWAIT_SEAL] = True  # answered once sealed: the reply's reader finds it
    acked = [r.person_id for r in fresh]
    if key:
        session.add(
            AckKey(
                message_id=message_id, key=key, request=request, person_ids=acked, created_at=now
            )
        )
    if fresh and not silent_recipients(session, message, list(addressed.values())):
        _close(session, message, actor=actor, result=RollCallResult.COMPLETE, now=now)
    already = [r.person_id for r in targets if r not in fresh]
    return AckOutcome(message_id, acked, already, False, _complete(message))


def silent_recipients(
    session: Session, message: Message, addressed: Sequence[Recipient]
) -> list[Recipient]:
    """Addressed recipients who have not answered and are not accounted for otherwise."""
    unanswered = [r for r in addressed if r.acked_at is None]
    accounted = accounted_for(session, message, [r.person_id for r in unanswered])
    return [r for r in unanswered if r.person_id not in accounted]


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
    """End a roll call or order now: complete if all answered, otherwise incomplete.

    Closing needs command authority (``comms.broadcast``) on the message's channel.
    """
    message = authorize_message(
        session, actor=actor, action=BROADCAST, message_id=message_id, lock=True
    )
    if message.closed_at is not None:
        return message
    silent = silent_recipients(session, message, _addressed(session, message_id))
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
            defer_seal=True,  # handsets' reports, batched: nobody waits on this commit
        )
    return fresh


def missed_messages(
    session: Session,
    *,
    person_id: str,
    after_seq: int,
    limit: int = 200,
    channel_ids: Collection[str] | None = None,
) -> list[tuple[Message, str]]:
    """What a handset missed: messages after its cursor, or never delivered; with channel names.

    ``channel_ids`` keeps to a handset token's channels.
    """
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
    if channel_ids is not None:
        query = query.where(Message.channel_id.in_(list(channel_ids)))
    return [(m, name) for m, name in session.execute(query).all()]
