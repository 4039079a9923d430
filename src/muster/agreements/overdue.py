"""Terms past their due date with nothing to show: alerted once each, by a timed job.

A term that is still ``pending`` when its due date passes has no evidence that settled it
(met, breached or waived). The scheduler runs ``run_overdue_terms`` on every node; each
term is claimed by a conditional update of its ``overdue_alerted_at``, so however many
nodes run the job at once, exactly one of them alerts it, once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from muster.agreements.enums import TermStatus
from muster.agreements.models import Agreement, AgreementTerm
from muster.agreements.service import ALERT
from muster.events.service import append_event
from muster.people.models import Person
from muster.policy.actor import Actor

OVERDUE = "term.overdue"
BATCH = 100


def _claim(session: Session, term_id: str, now: datetime) -> bool:
    """Mark the term alerted unless another run did; True for the run that marked it."""
    result = session.execute(
        update(AgreementTerm)
        .where(AgreementTerm.id == term_id, AgreementTerm.overdue_alerted_at.is_(None))
        .values(overdue_alerted_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def run_overdue_terms(session: Session, *, now: datetime) -> int:
    """Alert the commander and the term's station owner of each pending term now past due.

    The scheduler calls this a few times a second: one query of the (few) terms when
    nothing is due.
    """
    query = (
        select(AgreementTerm.id)
        .where(
            AgreementTerm.status == TermStatus.PENDING,
            AgreementTerm.due_at.is_not(None),
            AgreementTerm.due_at < now,
            AgreementTerm.overdue_alerted_at.is_(None),
        )
        .order_by(AgreementTerm.due_at, AgreementTerm.id)
        .limit(BATCH)
    )
    system = Actor.system("agreements")
    count = 0
    for term_id in list(session.scalars(query)):
        if not _claim(session, term_id, now):
            continue
        term = session.get(AgreementTerm, term_id)
        assert term is not None
        agreement = session.get(Agreement, term.agreement_id)
        assert agreement is not None
        owner = session.scalar(select(Person.name).where(Person.id == term.station_owner_id))
        due = term.due_at.isoformat(timespec="minutes") if term.due_at else ""
        append_event(
            session,
            kind=ALERT,
            actor=system,
            subjects=[term.id, agreement.id, agreement.party_id, term.station_owner_id],
            payload={
                "audience": "commander",
                "about": OVERDUE,
                "agreement": agreement.number,
                "term": term.number,
                "due_at": term.due_at,
                "station_owner": owner,
                "text": f"Agreement A-{agreement.number}, term {term.number} was due {due} "
                f"and has no evidence: {term.text[:200]}. {owner or 'Its owner'} to report "
                "or set its status with evidence.",
            },
        )
        count += 1
    return count
