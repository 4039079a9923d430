"""Floor control: one speaker per channel at a time; flash precedence may interrupt.

The floor is a row per channel, so every node sees the same speaker. A grant lasts at most
``floor_seconds`` (a handset that vanishes mid-sentence cannot hold a channel forever).
``check_floor`` is the push-to-talk rule every voice clip passes, whichever way it is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from muster.comms.enums import Precedence
from muster.comms.models import Floor
from muster.comms.rules import authorize_send
from muster.errors import Conflict
from muster.events.service import append_event
from muster.policy.actor import Actor
from muster.policy.authorize import authorize_channel


@dataclass(frozen=True)
class FloorOutcome:
    """Whether the floor was granted, who holds it now, and whom a flash interrupted."""

    channel_id: str
    granted: bool
    holder_id: str | None
    holder_name: str | None
    precedence: Precedence | None
    interrupted_id: str | None = None


def speaker_id(actor: Actor) -> str:
    """Who holds a floor: the person behind a handset, else the account or token."""
    return actor.person_id or actor.id


def current_floor(session: Session, *, channel_id: str, now: datetime) -> Floor | None:
    """The live floor of a channel, or None when it is free or its grant ran out."""
    floor = session.get(Floor, channel_id)
    return floor if floor is not None and floor.expires_at > now else None


def check_floor(
    session: Session, *, channel_id: str, actor: Actor, precedence: Precedence, now: datetime
) -> None:
    """Refuse a voice clip while someone else holds the channel's floor, unless it is flash."""
    floor = current_floor(session, channel_id=channel_id, now=now)
    if floor is None or floor.holder_id == speaker_id(actor) or precedence is Precedence.FLASH:
        return
    raise Conflict(
        f"{floor.holder_name} has the floor of this channel; wait for them to finish, "
        "or send at flash precedence to interrupt"
    )


def request_floor(
    session: Session,
    *,
    channel_id: str,
    actor: Actor,
    precedence: Precedence,
    now: datetime,
    hold_seconds: float,
) -> FloorOutcome:
    """Take the floor if free or ours; a flash request interrupts a speaker below flash.

    Taking the floor is sending: the same rule decides who may (``authorize_send``).
    """
    authorize_send(session, actor=actor, channel_id=channel_id, precedence=precedence)
    me = speaker_id(actor)
    floor = session.get(Floor, channel_id, with_for_update=True)
    live = floor if floor is not None and floor.expires_at > now else None
    interrupted: str | None = None
    if live is not None and live.holder_id != me:
        if not (precedence is Precedence.FLASH and live.precedence is not Precedence.FLASH):
            return FloorOutcome(
                channel_id, False, live.holder_id, live.holder_name, live.precedence
            )
        interrupted = live.holder_id
    expires = now + timedelta(seconds=hold_seconds)
    if floor is None:
        floor = Floor(
            channel_id=channel_id,
            holder_id=me,
            holder_name=actor.label,
            precedence=precedence,
            granted_at=now,
            expires_at=expires,
        )
        session.add(floor)
    else:
        floor.holder_id, floor.holder_name = me, actor.label
        floor.precedence, floor.granted_at, floor.expires_at = precedence, now, expires
    if live is None or interrupted is not None:
        append_event(
            session,
            kind="comms.floor.interrupted" if interrupted else "comms.floor.granted",
            actor=actor,
            subjects=[channel_id, me, interrupted or ""],
            payload={
                "channel_id": channel_id,
                "holder_id": me,
                "holder": actor.label,
                "precedence": precedence.value,
                "interrupted_id": interrupted,
            },
        )
    return FloorOutcome(channel_id, True, me, actor.label, precedence, interrupted)


def release_floor(session: Session, *, channel_id: str, actor: Actor, now: datetime) -> bool:
    """Give the floor back; False if the actor did not hold it (someone may have interrupted)."""
    authorize_channel(actor, "comms.send", channel_id)
    floor = session.get(Floor, channel_id, with_for_update=True)
    if floor is None or floor.holder_id != speaker_id(actor) or floor.expires_at <= now:
        return False
    floor.expires_at = now
    append_event(
        session,
        kind="comms.floor.released",
        actor=actor,
        subjects=[channel_id, floor.holder_id],
        payload={"channel_id": channel_id, "holder_id": floor.holder_id, "holder": actor.label},
    )
    return True
