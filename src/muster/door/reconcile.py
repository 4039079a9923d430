"""Reconciliation: the server re-checks a door's decision made on facts it had not received.

A door decides on its replica. When it uploads a request, it says how far its replica had
applied the server's row versions (``replica_rows``). If the server had committed row
changes beyond that before the decision was made (by the event each is linked to, with a
margin for the two clocks), the door decided on facts older than the central record's:
the link was cut, or the door was behind. Each such permit is decided again here, with the
same decision function over the central facts; a permit the central facts deny raises an
alert for the post naming the person and the door. A door that sends no cursor (an older
journal) is re-checked always.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from muster.access.decisions import ALERT, engine_for, rule_on
from muster.access.enums import Direction
from muster.access.facts import PortalFacts, load_request
from muster.events.chain import format_time
from muster.events.models import Event, RowVersion
from muster.events.rows import rows_head
from muster.events.service import append_event
from muster.places.models import Post
from muster.policy.actor import Actor

RECHECKED = "door.recheck_denied"
# A door's clock and the server's may differ this much: changes this close after a decision
# count as ones the door may have decided without.
RECHECK_MARGIN = timedelta(seconds=2)


@dataclass(frozen=True)
class Uploaded:
    """One decision of an uploaded request, as the door made it."""

    decision_id: str
    person_ref: str
    person_id: str | None
    allowed: bool


def missed_changes(session: Session, replica_rows: int | None, decided_at: datetime) -> bool:
    """True when the server had committed row changes the door's replica had not applied
    (beyond ``replica_rows``) by the time it decided. A door that did not say (None), or
    claims more than the server holds, is taken to have missed some."""
    if replica_rows is None or replica_rows > rows_head(session)[0]:
        return True
    found = session.execute(
        select(RowVersion.n)
        .outerjoin(Event, Event.seq == RowVersion.seq)
        .where(
            RowVersion.n > replica_rows,
            or_(RowVersion.seq.is_(None), Event.at <= decided_at + RECHECK_MARGIN),
        )
        .limit(1)
    ).first()
    return found is not None


def recheck(
    session: Session,
    *,
    portal: PortalFacts,
    direction: Direction,
    decisions: list[Uploaded],
    decided_at: datetime,
    replica_rows: int | None,
    actor: Actor,
) -> list[int]:
    """Decide a door's permits again over the central facts when the door had not received
    all of them; an alert for each permit the server would have denied. The seqs appended."""
    if not any(d.allowed for d in decisions) or not missed_changes(
        session, replica_rows, decided_at
    ):
        return []
    refs = [d.person_id or d.person_ref for d in decisions]
    known = load_request(session, portal.id, refs, decided_at)
    engine = engine_for(session, known.policy_version)
    rulings = rule_on(engine, known, refs, direction)
    posts = list(session.scalars(select(Post.id).where(Post.portal_id == portal.id)))
    seqs: list[int] = []
    for door, central in zip(decisions, rulings, strict=True):
        if not door.allowed or central.verdict.allowed:
            continue
        person = central.person
        name = person.name if person else door.person_ref
        payload: dict[str, Any] = {
            "audience": "post",
            "about": RECHECKED,
            "person": name,
            "portal": portal.name,
            "direction": direction.value,
            "decision_id": door.decision_id,
            "decided_at": format_time(decided_at),
            "rules": list(central.verdict.rule_ids),
            "text": (
                f"The door at {portal.name} let {name} {direction.value} at "
                f"{format_time(decided_at)} on facts it had not received; the central "
                f"record would have denied it: {central.explanation}"
            ),
        }
        event = append_event(
            session,
            kind=ALERT,
            actor=actor,
            subjects=[
                portal.id,
                person.id if person else "",
                person.party_id if person else "",
                door.decision_id,
                *posts,
            ],
            payload=payload,
        )
        seqs.append(event.seq)
    return seqs
