"""Channels: broadcast, groups by rule, direct, and incident channels."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster import clock
from muster.comms.enums import ChannelKind
from muster.comms.groups import AllRule, PersonRule, Rule, rule_to_dict
from muster.comms.models import Channel
from muster.errors import Conflict, Invalid, NotFound
from muster.events.service import append_event
from muster.policy.actor import Actor

BROADCAST_CHANNEL = "All stations"


def create_channel(
    session: Session,
    *,
    name: str,
    kind: ChannelKind,
    rule: Rule,
    actor: Actor,
    incident_id: str | None = None,
    description: str = "",
) -> Channel:
    """Create a channel whose members are whoever ``rule`` names when a message is sent."""
    if session.scalar(select(Channel.id).where(Channel.name == name)):
        raise Conflict(f"a channel named {name!r} already exists; choose another name")
    if kind is ChannelKind.DIRECT and not isinstance(rule, PersonRule):
        raise Invalid("a direct channel's rule must name one person (kind 'person')")
    channel = Channel(
        name=name,
        kind=kind,
        rule=rule_to_dict(rule),
        incident_id=incident_id,
        description=description,
        created_at=clock.now(),
    )
    session.add(channel)
    session.flush()
    append_event(
        session,
        kind="comms.channel.created",
        actor=actor,
        subjects=[channel.id, incident_id or ""],
        payload={"name": name, "kind": kind, "rule": channel.rule},
    )
    return channel


def create_incident_channel(
    session: Session, *, incident_id: str, name: str, rule: Rule | None, actor: Actor
) -> Channel:
    """The channel of a new incident (the incidents domain calls this as it opens one)."""
    return create_channel(
        session,
        name=name,
        kind=ChannelKind.INCIDENT,
        rule=rule or AllRule(),
        actor=actor,
        incident_id=incident_id,
    )


def ensure_broadcast_channel(session: Session, *, actor: Actor) -> Channel:
    """The station-wide broadcast channel, created on first use."""
    found = session.scalar(select(Channel).where(Channel.kind == ChannelKind.BROADCAST))
    if found is not None:
        return found
    return create_channel(
        session, name=BROADCAST_CHANNEL, kind=ChannelKind.BROADCAST, rule=AllRule(), actor=actor
    )


def get_channel(session: Session, channel_id: str) -> Channel:
    """The channel with ``channel_id``."""
    channel = session.get(Channel, channel_id)
    if channel is None:
        raise NotFound(f"no channel with id {channel_id!r}")
    return channel


def find_channel(session: Session, ref: str) -> Channel:
    """A channel by id or by name."""
    channel = session.get(Channel, ref) or session.scalar(
        select(Channel).where(Channel.name == ref)
    )
    if channel is None:
        raise NotFound(f"no channel named or numbered {ref!r}")
    return channel


def list_channels(
    session: Session, *, limit: int = 50, offset: int = 0
) -> tuple[list[Channel], int]:
    """Channels by name."""
    total = session.scalar(select(func.count()).select_from(Channel)) or 0
    rows = session.scalars(select(Channel).order_by(Channel.name).limit(limit).offset(offset))
    return list(rows), total
