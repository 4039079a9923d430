"""Escalation of silence: re-send, alert the sender, then tell the next in the chain of command.

``run_due_escalations`` is a pure step over the database at a given ``now``: the app's
scheduler (``muster.scheduler``) calls it about four times a second with the real clock,
tests and the exercise runner with a frozen one. Rows are taken with ``FOR UPDATE SKIP
LOCKED`` on PostgreSQL, so two nodes never escalate the same message twice. Each pass
over a message raises its level by one and re-arms its deadline, so silence climbs the
chain of command one rank per deadline until it reaches the top.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from muster.comms.enums import RecipientReason, RollCallResult
from muster.comms.groups import has_role
from muster.comms.models import Channel, Message, Recipient
from muster.comms.service import message_wire, named_recipients
from muster.comms.settings import CommsSettings, get_comms_settings
from muster.events.service import append_event
from muster.people.enums import PersonStatus
from muster.people.models import Person
from muster.policy.actor import Actor

ESCALATOR = Actor.system("comms-escalation")


@dataclass(frozen=True)
class EscalationStep:
    """What one pass did to one message."""

    message_id: str
    level: int
    silent: list[str]
    escalated_to: list[str] = field(default_factory=list)
    exhausted: bool = False


def rank_of(roles: list[str], chain: list[str]) -> int:
    """A person's place in ``chain`` (0 is the top); below the bottom if they hold no rank.

    A rank may name several roles separated by ``|`` (``commander|incident-commander``).
    """
    places = [i for i, rank in enumerate(chain) if set(rank.split("|")) & set(roles)]
    return min(places) if places else len(chain)


def due_messages(session: Session, *, now: datetime, limit: int = 100) -> list[Message]:
    """Open messages whose deadline has passed, locked so only one node takes each."""
    query = (
        select(Message)
        .where(Message.due_at.is_not(None), Message.due_at <= now, Message.closed_at.is_(None))
        .order_by(Message.due_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def _persons_with_rank(session: Session, rank: str) -> list[str]:
    query = select(Person.id).where(
        Person.archived_at.is_(None),
        Person.status != PersonStatus.DECEASED,
        or_(*(has_role(session, role) for role in rank.split("|"))),
    )
    return list(session.scalars(query.order_by(Person.name)))


def escalate_message(
    session: Session, message: Message, *, now: datetime, settings: CommsSettings
) -> EscalationStep:
    """One deadline passed for ``message``: act on its silent recipients and re-arm."""
    rows = session.scalars(select(Recipient).where(Recipient.message_id == message.id)).all()
    addressed = [r for r in rows if r.reason is RecipientReason.ADDRESSED]
    silent = [r for r in addressed if r.acked_at is None]
    level = message.escalation_level + 1
    if not silent:
        message.due_at = None
        message.closed_at = now
        message.result = RollCallResult.COMPLETE.value
        return EscalationStep(message.id, message.escalation_level, [])
    silent_ids = [r.person_id for r in silent]
    channel = session.get(Channel, message.channel_id)
    wire = message_wire(message, channel.name if channel else "")
    for row in silent:
        row.resent_count += 1
    named = named_recipients(silent_ids)
    append_event(
        session,
        kind="comms.message.resent",
        actor=ESCALATOR,
        subjects=[message.id, *(named or [])],
        payload={
            **wire,
            "level": level,
            "silent_count": len(silent_ids),
            **({"recipients": named} if named is not None else {}),
        },
    )
    append_event(
        session,
        kind="comms.escalation.sender_alerted",
        actor=ESCALATOR,
        subjects=[message.id, message.sender_person_id or ""],
        payload={
            "message_id": message.id,
            "sender_person_id": message.sender_person_id,
            "sender": message.sender_name,
            "silent": named,
            "silent_count": len(silent_ids),
            "level": level,
        },
    )
    chain = settings.chain_of_command
    roles = dict(
        session.execute(select(Person.id, Person.roles).where(Person.id.in_(silent_ids))).all()
    )
    ranks = {pid: rank_of(list(roles.get(pid) or []), chain) for pid in silent_ids}
    target_roles = sorted({ranks[p] - level for p in silent_ids if ranks[p] - level >= 0})
    known = {r.person_id for r in rows}
    escalated: list[str] = []
    for place in target_roles:
        for pid in _persons_with_rank(session, chain[place]):
            if pid in silent_ids or pid == message.sender_person_id or pid in escalated:
                continue
            escalated.append(pid)
            if pid not in known:
                session.add(
                    Recipient(
                        message_id=message.id, person_id=pid, reason=RecipientReason.ESCALATED
                    )
                )
    append_event(
        session,
        kind="comms.message.escalated",
        actor=ESCALATOR,
        subjects=[message.id, *escalated, *(named or [])],
        payload={
            **wire,
            "recipients": escalated,
            "to_roles": [chain[p] for p in target_roles],
            "silent": named,
            "silent_count": len(silent_ids),
            "level": level,
        },
    )
    message.escalation_level = level
    more = any(ranks[p] - level - 1 >= 0 for p in silent_ids)
    if more and message.ack_seconds:
        message.due_at = now + timedelta(seconds=message.ack_seconds)
    else:
        message.due_at = None
        append_event(
            session,
            kind="comms.escalation.exhausted",
            actor=ESCALATOR,
            subjects=[message.id, *(named or [])],
            payload={
                "message_id": message.id,
                "silent": named,
                "silent_count": len(silent_ids),
                "level": level,
            },
        )
    return EscalationStep(message.id, level, silent_ids, escalated, not more)


def escalate_due(
    session: Session, *, now: datetime, settings: CommsSettings | None = None, limit: int = 100
) -> list[EscalationStep]:
    """Escalate every message whose deadline is at or before ``now``; return what was done."""
    settings = settings or get_comms_settings()
    return [
        escalate_message(session, message, now=now, settings=settings)
        for message in due_messages(session, now=now, limit=limit)
    ]


def run_due_escalations(session: Session, *, now: datetime) -> int:
    """The timed job (``muster.scheduler``): escalate what is due, return how many messages."""
    return len(escalate_due(session, now=now))


def next_due(session: Session) -> datetime | None:
    """The earliest pending deadline, if any (a cheap read before taking the write lock)."""
    query = (
        select(Message.due_at)
        .where(Message.due_at.is_not(None), Message.closed_at.is_(None))
        .order_by(Message.due_at)
        .limit(1)
    )
    return session.scalar(query)
