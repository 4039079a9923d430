"""The acknowledgement board of a message or roll call: answered, late, waiting, result.

The sender, the hospitalised and the deceased are reported apart from the silent
(``comms.standing``): they neither make a call late nor keep it from completing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.comms.enums import RecipientReason, RollCallResult
from muster.comms.models import Message, Recipient
from muster.comms.schemas import Board, BoardRow
from muster.comms.service import get_message
from muster.comms.standing import ACCOUNTED, accounted_for
from muster.events.checkpoints import latest_checkpoint
from muster.people.models import Person
from muster.places.models import Post


def _status(row: Recipient, message: Message, now: datetime, accounted: dict[str, str]) -> str:
    if row.acked_at is not None:
        return "answered"
    if row.person_id in accounted:
        return accounted[row.person_id]
    overdue = message.escalation_level > 0 or (message.due_at is not None and message.due_at <= now)
    return "late" if overdue or message.closed_at is not None else "waiting"


def result_of(message: Message, rows: list[BoardRow]) -> RollCallResult:
    """Complete when all answered or are accounted for; incomplete once any is late or the
    call was closed short."""
    if all(r.status == "answered" or r.status in ACCOUNTED for r in rows):
        return RollCallResult.COMPLETE
    if message.closed_at is not None or any(r.status == "late" for r in rows):
        return RollCallResult.INCOMPLETE
    return RollCallResult.PENDING


def get_board(session: Session, *, message_id: str, now: datetime) -> Board:
    """Every addressed recipient with their state, late ones first, and the record's newest
    signed checkpoint."""
    message = get_message(session, message_id)
    query = (
        select(Recipient, Person.name, Post.name)
        .join(Person, Person.id == Recipient.person_id)
        .outerjoin(Post, Post.id == Recipient.post_id)
        .where(Recipient.message_id == message_id, Recipient.reason == RecipientReason.ADDRESSED)
        .order_by(Post.name, Person.name)
    )
    found = list(session.execute(query))
    unanswered = [rec.person_id for rec, _name, _post in found if rec.acked_at is None]
    accounted = accounted_for(session, message, unanswered)
    rows = [
        BoardRow(
            person_id=rec.person_id,
            name=name,
            post_id=rec.post_id,
            post=post,
            delivered_at=rec.delivered_at,
            read_at=rec.read_at,
            acked_at=rec.acked_at,
            resent_count=rec.resent_count,
            status=_status(rec, message, now, accounted),
        )
        for rec, name, post in found
    ]
    order = {"late": 0, "waiting": 1, "answered": 2, **{a: 3 + i for i, a in enumerate(ACCOUNTED)}}
    rows.sort(key=lambda r: order[r.status])
    count = {s: sum(1 for r in rows if r.status == s) for s in order}
    return Board(
        message_id=message.id,
        kind=message.kind,
        precedence=message.precedence,
        due_at=message.due_at,
        answered=count["answered"],
        late=count["late"],
        waiting=count["waiting"],
        sender=count["sender"],
        hospitalised=count["hospitalised"],
        deceased=count["deceased"],
        result=result_of(message, rows),
        rows=rows,
        record_checkpoint=signed.to_dict() if (signed := latest_checkpoint(session)) else None,
    )
