"""The orders of an airlock post, on its post view, with an acknowledge button per post.

The comms domain lists messages by channel or by recipient person; a post's orders are
read here (read only) from the recipients recorded with the post when each was sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster import clock
from muster.comms.models import Message, Recipient
from muster.comms.reading import board_for
from muster.comms.schemas import Board
from muster.comms.service import get_channel
from muster.places.service import get_post
from muster.web.console.comms_pages import ack_key
from muster.web.console.fragments import fragment

SHOWN = 10


@dataclass(frozen=True)
class PostOrder:
    """An order addressed to a post: the message, its board, this post's answer."""

    message: Message
    channel: str
    post_id: str
    post: str
    board: Board
    answered: int
    waiting: int
    may_ack: bool


def post_messages(session: Session, post_id: str, limit: int = SHOWN) -> list[Message]:
    """Messages with a recipient at the post, newest first (read only)."""
    addressed = select(Recipient.message_id).where(Recipient.post_id == post_id)
    query = (
        select(Message)
        .where(Message.id.in_(addressed))
        .order_by(Message.sent_at.desc(), Message.id)
        .limit(limit)
    )
    return list(session.scalars(query).all())


@fragment("post_orders", action="comms.read")
def post_orders_part(session: Session, viewer: Any, params: Mapping[str, str]) -> dict[str, Any]:
    """The newest orders to the posts named in ``posts`` (comma separated)."""
    orders: list[PostOrder] = []
    now = clock.now()
    may_ack = viewer.can("comms.acknowledge")
    for post_id in [p for p in params.get("posts", "").split(",") if p]:
        post = get_post(session, post_id)
        for message in post_messages(session, post.id):
            board = board_for(session, actor=viewer.actor, message_id=message.id, now=now)
            here = [r for r in board.rows if r.post_id == post.id]
            answered = sum(1 for r in here if r.acked_at is not None)
            own = viewer.actor.person_id in {r.person_id for r in here}
            allowed = may_ack and (own or viewer.can("comms.acknowledge.others"))
            orders.append(
                PostOrder(
                    message,
                    get_channel(session, message.channel_id).name,
                    post.id,
                    post.name,
                    board,
                    answered,
                    len(here) - answered,
                    allowed and message.requires_ack and answered < len(here),
                )
            )
    # Orders still waiting for this post first, most urgent first, then newest.
    orders.sort(
        key=lambda o: (o.waiting == 0, o.message.precedence.rank, -o.message.sent_at.timestamp())
    )
    return {"post_orders": orders, "ack_key": ack_key(), "back_to": params.get("back", "/posts")}


URGENT = {"flash", "immediate"}


@fragment("post_alerts", action="comms.read")
def post_alerts_part(session: Session, viewer: Any, params: Mapping[str, str]) -> dict[str, Any]:
    """Flash and immediate orders this post has not acknowledged: they take the top of the
    post's screen until someone at the post answers them."""
    context = post_orders_part(session, viewer, params)
    urgent = [
        o
        for o in context["post_orders"]
        if o.message.precedence.value in URGENT and o.message.requires_ack and o.waiting
    ]
    return {"alert_orders": urgent, "ack_key": context["ack_key"], "back_to": context["back_to"]}
