"""Comms in the exercise runner: channels, orders, acknowledgements, escalation, and checks.

Names stand for ids (persons, posts, portals, channels). Acknowledgements and checks refer
to the latest message on a channel, which is how an order is spoken of in an incident log.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster.comms.board import get_board
from muster.comms.enums import ChannelKind, MessageKind, Precedence
from muster.comms.escalation import escalate_due
from muster.comms.groups import AllRule, PersonRule, PostsRule, RoleRule, Rule
from muster.comms.models import Message
from muster.comms.service import (
    acknowledge,
    close_message,
    create_channel,
    find_channel,
    send_message,
)
from muster.errors import NotFound
from muster.events.models import Event, EventSubject
from muster.people.service import find_person
from muster.places.service import find_portal, find_post
from muster.scenario.actions import ActionArgs, ActionContext, register_action
from muster.scenario.checks import CheckArgs, CheckContext, CheckResult, CountBounds, register_check


class ChannelArgs(ActionArgs):
    """A channel and its membership rule, by names: everyone, a role, posts, or one person."""

    name: str
    kind: ChannelKind = ChannelKind.GROUP
    everyone: bool = False
    role: str | None = None
    portal_kind: str | None = None
    portal: str | None = None
    post: str | None = None
    person: str | None = None


def _rule(session: Session, args: ChannelArgs) -> Rule:
    if args.person:
        return PersonRule(person_id=find_person(session, args.person).id)
    if args.role:
        return RoleRule(role=args.role)
    if args.portal_kind or args.portal or args.post:
        return PostsRule(
            portal_kind=args.portal_kind,
            portal_id=find_portal(session, args.portal).id if args.portal else None,
            post_id=find_post(session, args.post).id if args.post else None,
        )
    return AllRule()


@register_action("comms.channel")
def open_channel(ctx: ActionContext, args: ChannelArgs) -> str:
    """Create a channel whose members are resolved at each send."""
    channel = create_channel(
        ctx.session, name=args.name, kind=args.kind, rule=_rule(ctx.session, args), actor=ctx.actor
    )
    return f"channel {channel.name} opened ({channel.rule['kind']})"


class SendArgs(ActionArgs):
    """An order, report or roll call on a channel."""

    channel: str
    text: str = Field(min_length=1)
    precedence: Precedence = Precedence.ROUTINE
    roll_call: bool = False


@register_action("comms.send")
def send_order(ctx: ActionContext, args: SendArgs) -> str:
    """Send on a channel; flash, broadcast and roll calls need command authority."""
    channel = find_channel(ctx.session, args.channel)
    message = send_message(
        ctx.session,
        channel_id=channel.id,
        precedence=args.precedence,
        text=args.text,
        kind=MessageKind.ROLL_CALL if args.roll_call else MessageKind.MESSAGE,
        actor=ctx.actor,
    )
    count = len(get_board(ctx.session, message_id=message.id, now=ctx.at).rows)
    return f"{args.precedence.value} to {channel.name}: {count} recipients"


def latest_message(session: Session, channel: str) -> Message:
    """The newest message on the named channel."""
    channel_id = find_channel(session, channel).id
    query = select(Message).where(Message.channel_id == channel_id)
    message = session.scalar(query.order_by(Message.event_seq.desc()).limit(1))
    if message is None:
        raise NotFound(f"no message has been sent on {channel!r} yet")
    return message


class AckArgs(ActionArgs):
    """An acknowledgement of the latest message on a channel, for a post or for persons."""

    channel: str
    post: str | None = None
    persons: list[str] | None = None
    key: str | None = Field(None, description="Idempotency-Key; a repeat records nothing")


@register_action("comms.ack")
def acknowledge_order(ctx: ActionContext, args: AckArgs) -> str:
    """Acknowledge, as a post or persons (or the inject's actor, if neither is named)."""
    message = latest_message(ctx.session, args.channel)
    outcome = acknowledge(
        ctx.session,
        message_id=message.id,
        actor=ctx.actor,
        post_id=find_post(ctx.session, args.post).id if args.post else None,
        person_ids=[find_person(ctx.session, n).id for n in args.persons] if args.persons else None,
        key=args.key,
    )
    verb = "repeated" if outcome.replayed else f"{len(outcome.acknowledged)} acknowledged"
    return f"{args.channel}: {verb}"


class EscalateArgs(ActionArgs):
    """Run the escalation of silence at the inject's time (what the scheduler does live)."""


@register_action("comms.escalate")
def run_escalations(ctx: ActionContext, args: EscalateArgs) -> str:
    """Escalate every message whose deadline has passed at this moment of the exercise."""
    steps = escalate_due(ctx.session, now=ctx.at)
    silent = sum(len(s.silent) for s in steps)
    return f"{len(steps)} message(s) escalated; {silent} recipient(s) silent"


class CloseArgs(ActionArgs):
    """Close the latest roll call or order on a channel."""

    channel: str


@register_action("comms.close")
def close_roll_call(ctx: ActionContext, args: CloseArgs) -> str:
    """Close it: complete if everyone answered, otherwise incomplete."""
    message = latest_message(ctx.session, args.channel)
    closed = close_message(ctx.session, message_id=message.id, actor=ctx.actor)
    return f"{args.channel}: {closed.result}"


class BoardArgs(CountBounds):
    """How many recipients of the latest message on a channel are answered, late or waiting."""

    channel: str
    status: Literal["answered", "late", "waiting"]
    post: str | None = None


@register_check("comms.board")
def count_on_board(ctx: CheckContext, args: BoardArgs) -> CheckResult:
    """Count the board's rows in a status (at one post, if named)."""
    message = latest_message(ctx.session, args.channel)
    board = get_board(ctx.session, message_id=message.id, now=message.sent_at)
    post_id = find_post(ctx.session, args.post).id if args.post else None
    rows = [
        r for r in board.rows if r.status == args.status and (not post_id or r.post_id == post_id)
    ]
    return args.judge(len(rows), f"{args.status} on {args.channel}")


class ResultArgs(CheckArgs):
    """The result of the latest message or roll call on a channel."""

    channel: str
    equals: Literal["pending", "complete", "incomplete"]


@register_check("comms.result")
def message_result(ctx: CheckContext, args: ResultArgs) -> CheckResult:
    """Complete, incomplete or pending, as the board gives it."""
    message = latest_message(ctx.session, args.channel)
    result = get_board(ctx.session, message_id=message.id, now=message.sent_at).result.value
    return CheckResult(result == args.equals, f"{args.channel}: {result}; expected {args.equals}")


class EscalationCountArgs(CountBounds):
    """How many times the latest message on a channel was escalated."""

    channel: str


@register_check("comms.escalations")
def count_escalations(ctx: CheckContext, args: EscalationCountArgs) -> CheckResult:
    """Count comms.message.escalated events about the latest message."""
    message = latest_message(ctx.session, args.channel)
    query = (
        select(func.count())
        .select_from(Event)
        .join(EventSubject, EventSubject.seq == Event.seq)
        .where(EventSubject.subject == message.id, Event.kind == "comms.message.escalated")
    )
    return args.judge(ctx.session.scalar(query) or 0, f"escalations on {args.channel}")
