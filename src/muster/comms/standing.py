"""Who among a message's recipients is accounted for without answering, and why.

A roll call (or order) reports its sender, the hospitalised and the deceased apart from
the silent: the sender sent it, a patient in a hospital bed and the dead cannot answer,
and none of them is a silent post to escalate. The board, the acknowledgement that
completes a message, closing and escalation all ask here, so the rule is written once.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.comms.models import Message
from muster.medical.models import Admission
from muster.people.enums import PersonStatus
from muster.people.models import Person

SENDER = "sender"
HOSPITALISED = "hospitalised"
DECEASED = "deceased"
ACCOUNTED = (SENDER, HOSPITALISED, DECEASED)


def accounted_for(
    session: Session, message: Message, person_ids: Collection[str]
) -> dict[str, str]:
    """Of ``person_ids`` (who have not answered), those accounted for: id -> the reason."""
    ids = set(person_ids)
    if not ids:
        return {}
    found: dict[str, str] = {}
    dead = select(Person.id).where(Person.id.in_(ids), Person.status == PersonStatus.DECEASED)
    found.update(dict.fromkeys(session.scalars(dead), DECEASED))
    in_bed = select(Admission.person_id).where(
        Admission.person_id.in_(ids - found.keys()), Admission.discharged_at.is_(None)
    )
    found.update({pid: HOSPITALISED for pid in session.scalars(in_bed) if pid})
    if message.sender_person_id in ids and message.sender_person_id not in found:
        found[message.sender_person_id] = SENDER
    return found
