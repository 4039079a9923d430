"""The transfer fact: derived from the consent case at every decision, never granted.

A resident may pass to a visiting party's vessel only while a consent case for that
vessel is approved (not suspended, stopped or revoked) and its pending check-up is still
due (P2). Nothing stores the fact itself: the airlock (``facts.load_request``) and this
module's read both evaluate the case as it stands at that moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session, aliased

from muster.people.models import Party
from muster.welfare.enums import CaseStatus, CheckupStatus
from muster.welfare.models import Checkup, ConsentCase


def case_transfers_now(at: Any) -> ColumnElement[bool]:
    """The condition under which a consent case lets its person go to its vessel at ``at``.

    The case is approved and its pending check-up is due after ``at``: an overdue check-up
    ends the transfer at that moment, before the scheduler marks it. ``at`` is a datetime
    or a bound parameter.
    """
    return and_(
        ConsentCase.status == CaseStatus.APPROVED,
        select(Checkup.id)
        .where(
            Checkup.case_id == ConsentCase.id,
            Checkup.status == CheckupStatus.DUE,
            Checkup.due_at > at,
        )
        .exists(),
    )


@dataclass(frozen=True)
class CurrentTransfer:
    """A transfer a consent case allows now, and until when at the latest."""

    case_id: str
    case_number: int
    person_id: str
    vessel_party_id: str
    vessel: str
    until: datetime  # the pending check-up's due time


def current_transfers(
    session: Session, *, at: datetime, person_id: str | None = None
) -> list[CurrentTransfer]:
    """The transfers consent cases allow at ``at`` (of one person, or of everyone)."""
    pending = aliased(Checkup)
    query = (
        select(
            ConsentCase.id,
            ConsentCase.number,
            ConsentCase.person_id,
            ConsentCase.vessel_party_id,
            Party.name,
            pending.due_at,
        )
        .join(Party, Party.id == ConsentCase.vessel_party_id)
        .join(pending, and_(pending.case_id == ConsentCase.id, pending.status == CheckupStatus.DUE))
        .where(case_transfers_now(at), pending.due_at > at)
        .order_by(ConsentCase.number)
    )
    if person_id is not None:
        query = query.where(ConsentCase.person_id == person_id)
    return [CurrentTransfer(*row) for row in session.execute(query)]
