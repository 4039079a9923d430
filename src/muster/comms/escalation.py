"""Escalation of silence: re-send, alert the sender, then tell the next in the chain of command.

``run_due_escalations`` is a pure step over the database at a given ``now``: the app's
scheduler (``muster.scheduler``) calls it about four times a second with the real clock,
tests and the exercise runner with a frozen one. Rows are taken with ``FOR UPDATE SKIP
LOCKED`` on PostgreSQL, so two nodes never escalate the same message twice. Each pass
over a message raises its level by one and re-arms its deadline, so silence climbs the
chain of command one rank per deadline until it reaches the top.

The chain of command is the station's staff (crew of no visiting party, with an active
account, alive and not in a hospital bed) ranked by their accounts' roles. Each deadline
tells the next rank above each silent recipient that has someone to tell, skipping ranks
whose members are all silent; within a rank, those standing at the silent one's post come
first. No one of a visiting party is ever told (P6), whatever the registry calls them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.auth.models import Account
from muster.comms.enums import RecipientReason, RollCallResult
from muster.comms.groups import of_the_station_now, station_staff
from muster.comms.models import Channel, Message, Recipient
from muster.comms.recipients import silent_recipients
from muster.comms.service import message_wire, named_recipients
from muster.comms.settings import CommsSettings, get_comms_settings
from muster.events.service import append_event
from muster.medical.models import Admission
from muster.people.models import Person
from muster.places.models import PostAssignment
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


@dataclass(frozen=True)
class Superior:
    """One of the station's staff in the chain of command: rank (0 is the top) and posts."""

    person_id: str
    rank: int
    posts: frozenset[str]


def chain_of_command(session: Session, chain: list[str]) -> list[Superior]:
    """The station's staff who hold a rank of ``chain`` by their accounts, by name.

    Staff: crew of no visiting party, not archived, alive, not admitted to the hospital,
    with an active account. The registry's free-form roles give no rank here.
    """
    in_bed = select(Admission.person_id).where(
        Admission.person_id.is_not(None), Admission.discharged_at.is_(None)
    )
    query = (
        select(Person.id, Account.roles)
        .join(Account, Account.person_id == Person.id)
        .where(*station_staff(), Account.active.is_(True), Person.id.not_in(in_bed))
        .order_by(Person.name)
    )
    roles: dict[str, set[str]] = defaultdict(set)
    for person_id, account_roles in session.execute(query):
        roles[str(person_id)].update(account_roles or [])
    ranked = {p: rank_of(sorted(r), chain) for p, r in roles.items()}
    ranked = {p: r for p, r in ranked.items() if r < len(chain)}
    posts = _posts_of(session, list(ranked))
    return [Superior(p, r, frozenset(posts.get(p, ()))) for p, r in ranked.items()]


def _posts_of(session: Session, person_ids: list[str]) -> dict[str, set[str]]:
    """The posts each person is assigned to."""
    posts: dict[str, set[str]] = defaultdict(set)
    assigned = select(PostAssignment.person_id, PostAssignment.post_id).where(
        PostAssignment.person_id.in_(person_ids)
    )
    for person_id, post_id in session.execute(assigned):
        posts[person_id].add(post_id)
    return posts


def _own_ranks(session: Session, person_ids: list[str], chain: list[str]) -> dict[str, int]:
    """Each silent recipient's rank: their accounts' roles and the registry's, the higher."""
    roles: dict[str, set[str]] = {p: set() for p in person_ids}
    for pid, person_roles in session.execute(
        select(Person.id, Person.roles).where(Person.id.in_(person_ids))
    ):
        roles[pid].update(person_roles or [])
    for owner, account_roles in session.execute(
        select(Account.person_id, Account.roles).where(Account.person_id.in_(person_ids))
    ):
        roles[str(owner)].update(account_roles or [])
    return {p: rank_of(sorted(r), chain) for p, r in roles.items()}


def resent_to(session: Session, silent_ids: list[str]) -> list[str]:
    """Of an order's silent recipients, those it is sent again to: only those still of the
    station. One who has since joined the visiting party is not reached again (P6)."""
    station = of_the_station_now(session, silent_ids)
    return [p for p in silent_ids if p in station]


def escalate_message(
    session: Session, message: Message, *, now: datetime, settings: CommsSettings
) -> EscalationStep:
    """One deadline passed for ``message``: act on its silent recipients and re-arm."""
    rows = session.scalars(select(Recipient).where(Recipient.message_id == message.id)).all()
    addressed = [r for r in rows if r.reason is RecipientReason.ADDRESSED]
    silent = silent_recipients(session, message, addressed)
    level = message.escalation_level + 1
    if not silent:
        message.due_at = None
        message.closed_at = now
        message.result = RollCallResult.COMPLETE.value
        return EscalationStep(message.id, message.escalation_level, [])
    silent_ids = [r.person_id for r in silent]
    channel = session.get(Channel, message.channel_id)
    wire = message_wire(message, channel.name if channel else "")
    # Their silence still climbs the chain below, whether or not they are sent it again.
    resent = resent_to(session, silent_ids)
    for row in silent:
        if row.person_id in resent:
            row.resent_count += 1
    named = named_recipients(silent_ids)
    resent_named = named_recipients(resent)
    append_event(
        session,
        kind="comms.message.resent",
        actor=ESCALATOR,
        subjects=[message.id, *(resent_named or [])],
        payload={
            **wire,
            "level": level,
            "silent_count": len(silent_ids),
            **({"recipients": resent_named} if resent_named is not None else {}),
        },
    )
    append_event(
        session,
        kind="comms.escalation.sender_alerted",
        actor=ESCALATOR,
        subjects=[message.id, message.sender_person_id or ""],
        payload={
            "message_id": message.id,
            "channel_id": message.channel_id,
            "sender_person_id": message.sender_person_id,
            "sender": message.sender_name,
            "silent": named,
            "silent_count": len(silent_ids),
            "level": level,
        },
    )
    chain = settings.chain_of_command
    skipped = {*silent_ids, message.sender_person_id}
    available = [s for s in chain_of_command(session, chain) if s.person_id not in skipped]
    open_ranks = sorted({s.rank for s in available}, reverse=True)  # nearest the bottom first
    own = _own_ranks(session, silent_ids, chain)
    ladders = {p: [r for r in open_ranks if r < own[p]] for p in silent_ids}
    stands = _posts_of(session, silent_ids)
    known = {r.person_id for r in rows}
    escalated: list[str] = []
    to_ranks: set[int] = set()
    for row in silent:
        ladder = ladders[row.person_id]
        if len(ladder) < level:
            continue
        rank = ladder[level - 1]
        to_ranks.add(rank)
        at_rank = [s for s in available if s.rank == rank]
        posts = {row.post_id} if row.post_id else stands.get(row.person_id, set())
        at_post = [s for s in at_rank if s.posts & posts]
        for superior in at_post or at_rank:
            if superior.person_id in escalated:
                continue
            escalated.append(superior.person_id)
            if superior.person_id not in known:
                session.add(
                    Recipient(
                        message_id=message.id,
                        person_id=superior.person_id,
                        reason=RecipientReason.ESCALATED,
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
            "to_roles": [chain[r] for r in sorted(to_ranks)],
            "silent": named,
            "silent_count": len(silent_ids),
            "level": level,
        },
    )
    message.escalation_level = level
    more = any(len(ladder) > level for ladder in ladders.values())
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
