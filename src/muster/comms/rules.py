"""Who may do what in comms: each rule written once, called by every comms use case.

Every use case authorizes its actor here before it reads the resource: the action first
(``comms.read``, ``comms.send`` ...), then a handset token's channel binding on the
channel's id, then what needs the resource itself (the broadcast channel needs command
authority). A caller that may not act is refused before it learns anything about the
channel or message, even whether it exists.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from muster.comms.channels import get_channel
from muster.comms.enums import ChannelKind, MessageKind, Precedence
from muster.comms.models import Channel, Message
from muster.errors import NotFound
from muster.policy.actor import Actor
from muster.policy.authorize import authorize, authorize_channel

READ = "comms.read"
SEND = "comms.send"
BROADCAST = "comms.broadcast"
ACKNOWLEDGE = "comms.acknowledge"
ACKNOWLEDGE_OTHERS = "comms.acknowledge.others"
MANAGE = "comms.channel.manage"


def needs_command(*, precedence: Precedence, kind: MessageKind, channel_kind: ChannelKind) -> bool:
    """True when a send needs command authority: flash, a roll call, or the broadcast channel."""
    return (
        precedence is Precedence.FLASH
        or kind is MessageKind.ROLL_CALL
        or channel_kind is ChannelKind.BROADCAST
    )


def authorize_send(
    session: Session,
    *,
    actor: Actor,
    channel_id: str,
    precedence: Precedence,
    kind: MessageKind = MessageKind.MESSAGE,
) -> Channel:
    """Who may send, take the floor, or broadcast: the one rule; returns the channel.

    ``comms.send`` on the channel (a handset only on its own), and ``comms.broadcast`` for
    flash precedence, a roll call or the station-wide broadcast channel.
    """
    authorize_channel(actor, SEND, channel_id)
    if precedence is Precedence.FLASH or kind is MessageKind.ROLL_CALL:
        authorize(actor, BROADCAST)
    channel = get_channel(session, channel_id)
    if needs_command(precedence=precedence, kind=kind, channel_kind=channel.kind):
        authorize(actor, BROADCAST)
    return channel


def authorize_message(
    session: Session, *, actor: Actor, action: str, message_id: str, lock: bool = False
) -> Message:
    """Authorize ``action`` on a message (and its channel's binding); return the message."""
    authorize(actor, action)
    message = session.get(Message, message_id, with_for_update=lock or None)
    if message is None:
        raise NotFound(f"no message with id {message_id!r}")
    authorize_channel(actor, action, message.channel_id)
    return message


def channel_scope(actor: Actor) -> frozenset[str] | None:
    """The channels a handset token is bound to, or None when the actor is not bound."""
    return actor.channel_ids
