"""Who a person is, and what follows them through any change of it (issue 14, P1, P2).

Holds and consent cases belong to the person's record id, so no change of affiliation,
party, name or badge sheds them; archiving keeps them with the archived record, which
passes no portal. Changing who someone held or in a live consent case is, or archiving
them, is the commander's alone (Cedar ``person.identity.guarded``) and alerts the
commander. A resident's consent requirement (``Person.consent_required``) is set when
they are registered as or become a resident and is never cleared by a registry edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster.access.models import Hold
from muster.errors import Forbidden
from muster.events.service import append_event
from muster.people.models import Person
from muster.policy.actor import Actor
from muster.policy.authorize import authorize
from muster.welfare.enums import CaseStatus
from muster.welfare.models import ConsentCase

ALERT = "people.alert.raised"
# What says who a person is: a change of any of these to someone held or in a consent
# case is the commander's alone, and alerted.
IDENTITY_FIELDS = ("name", "badge_id", "affiliation", "party_id")


@dataclass(frozen=True)
class Guard:
    """What follows a person through any change of who they are: open holds, live cases."""

    holds: int
    cases: list[int]

    @property
    def any(self) -> bool:
        """True when the person is held or has a consent case that is not revoked."""
        return bool(self.holds or self.cases)

    def words(self) -> str:
        """The guard in plain words."""
        parts = [f"{self.holds} open hold(s)"] if self.holds else []
        if self.cases:
            parts.append("consent case(s) " + ", ".join(f"W-{n}" for n in self.cases))
        return " and ".join(parts)


def person_guard(session: Session, person_id: str) -> Guard:
    """The open holds and the consent cases (any not revoked) of a person."""
    holds = select(func.count()).where(Hold.person_id == person_id, Hold.lifted_at.is_(None))
    cases = select(ConsentCase.number).where(
        ConsentCase.person_id == person_id, ConsentCase.status != CaseStatus.REVOKED
    )
    return Guard(session.scalar(holds) or 0, sorted(session.scalars(cases)))


def guarded_change(
    session: Session, person: Person, *, what: str, details: dict[str, Any], actor: Actor
) -> None:
    """A change of who a held person, or one in a consent case, is: the commander's alone
    (Cedar ``person.identity.guarded``), and the commander is alerted. Nothing else."""
    guard = person_guard(session, person.id)
    if not guard.any:
        return
    try:
        authorize(actor, "person.identity.guarded")
    except Forbidden as exc:
        raise Forbidden(
            f"{person.name} has {guard.words()}; only the commander may {what} them, and "
            "their holds and cases stay with them whatever changes",
            action="person.identity.guarded",
        ) from exc
    append_event(
        session,
        kind=ALERT,
        actor=actor,
        subjects=[person.id],
        payload={
            "audience": "commander",
            "about": "person.identity_changed",
            "person_id": person.id,
            "text": (
                f"{actor.label} changed who {person.name} is ({what}) while they have "
                f"{guard.words()}; the holds and cases stay with them"
            ),
            "holds": guard.holds,
            "cases": guard.cases,
            **details,
        },
    )
