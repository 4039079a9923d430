"""Channels: broadcast, groups by rule, direct, and incident channels."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster import clock
from muster.comms.enums import ChannelKind
from muster.comms.groups import (
    AllRule,
    IncidentRule,
    PersonRule,
    Rule,
    of_visiting_party,
    rule_to_dict,
)
from muster.comms.models import Channel
from muster.errors import Conflict, Invalid, NotFound
from muster.events.service import append_event
from muster.people.models import Person
from muster.policy.actor import Actor
from muster.policy.authorize import authorize

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
    authorize(actor, "comms.channel.manage")
    return _new_channel(
        session,
        name=name,
        kind=kind,
        rule=rule,
        actor=actor,
        incident_id=incident_id,
        description=description,
    )


def _new_channel(
    session: Session,
    *,
    name: str,
    kind: ChannelKind,
    rule: Rule,
    actor: Actor,
    incident_id: str | None = None,
    description: str = "",
) -> Channel:
    if session.scalar(select(Channel.id).where(Channel.name == name)):
        raise Conflict(f"a channel named {name!r} already exists; choose another name")
    if kind is ChannelKind.DIRECT and not isinstance(rule, PersonRule):
        raise Invalid("a direct channel's rule must name one person (kind 'person')")
    if isinstance(rule, PersonRule):
        person = session.get(Person, rule.person_id)
        if person is not None and of_visiting_party(person):
            raise Invalid(
                f"{person.name} is of the visiting party; station channels reach station "
                "people only. Speak with the visiting party through the liaison."
            )
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


def open_channel_for(
    session: Session,
    *,
    name: str,
    kind: ChannelKind,
    rule: Rule,
    actor: Actor,
    incident_id: str | None = None,
    description: str = "",
) -> Channel:
    """A channel opened as one step of a use case that has authorized ``actor`` (a call for
    help from a post opens one to those it pages), recorded in that actor's name (P5)."""
    return _new_channel(
        session,
        name=name,
        kind=kind,
        rule=rule,
        actor=actor,
        incident_id=incident_id,
        description=description,
    )


def create_incident_channel(
    session: Session, *, incident_id: str, number: int, title: str, actor: Actor
) -> Channel:
    """The talk group of a newly declared incident: its commander and command roles.

    Part of declaring the incident (``incidents.service.declare_incident``), which has
    authorized the actor: whoever may declare an incident opens its talk group with it.
    """
    return _new_channel(
        session,
        name=f"Incident {number}: {title}"[:200],
        kind=ChannelKind.INCIDENT,
        rule=IncidentRule(incident_id=incident_id),
        actor=actor,
        incident_id=incident_id,
        description=f"Talk group of incident {number}: its commander and command roles.",
    )


def incident_channel_ids(session: Session, incident_id: str) -> list[str]:
    """The channels of an incident (its talk group and any opened for it)."""
    query = select(Channel.id).where(Channel.incident_id == incident_id)
    return list(session.scalars(query).all())


def ensure_broadcast_channel(session: Session, *, actor: Actor) -> Channel:
    """The station-wide broadcast channel, created on first use (by the station, not a person)."""
    found = find_broadcast_channel(session)
    if found is not None:
        return found
    return _new_channel(
        session, name=BROADCAST_CHANNEL, kind=ChannelKind.BROADCAST, rule=AllRule(), actor=actor
    )


def find_broadcast_channel(session: Session) -> Channel | None:
    """The station-wide broadcast channel, if it exists yet."""
    return session.scalar(select(Channel).where(Channel.kind == ChannelKind.BROADCAST))


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
    session: Session,
    *,
    limit: int = 50,
    offset: int = 0,
    channel_ids: Collection[str] | None = None,
) -> tuple[list[Channel], int]:
    """Channels by name (only those in ``channel_ids`` when it is given)."""
    query = select(Channel)
    if channel_ids is not None:
        query = query.where(Channel.id.in_(list(channel_ids)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Channel.name).limit(limit).offset(offset))
    return list(rows), total
