"""What-if: who a draft policy would decide differently from the active one.

Two views: the whole current population at every airlock (each person asking the way
that would move them: out if aboard, in if outside), and the recent decision log replayed
exactly as Cedar saw it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster import clock
from muster.access.decisions import CedarInput, cedar_input_for, evaluate
from muster.access.enums import Direction
from muster.access.facts import PortalFacts, load_persons, load_portal
from muster.access.models import Decision, Presence
from muster.people.enums import PersonStatus
from muster.people.models import Person
from muster.places.enums import PortalKind
from muster.places.models import Portal
from muster.policy.engine import PolicyEngine

CHUNK = 500


@dataclass(frozen=True)
class Change:
    """One request decided differently by the draft."""

    source: str  # "population" or "log"
    person_id: str
    person: str
    portal: str
    direction: str
    before: bool
    after: bool
    rules_before: tuple[str, ...]
    rules_after: tuple[str, ...]


@dataclass(frozen=True)
class WhatIf:
    """The outcome of a what-if run."""

    checked_population: int
    checked_log: int
    changes: list[Change]


def _airlocks(session: Session) -> list[PortalFacts]:
    ids = session.scalars(select(Portal.id).where(Portal.kind == PortalKind.AIRLOCK)).all()
    return [load_portal(session, i) for i in ids]


def _compare(
    current: PolicyEngine, draft: PolicyEngine, request: CedarInput
) -> tuple[bool, bool, tuple[str, ...], tuple[str, ...]]:
    before, after = evaluate(current, request), evaluate(draft, request)
    return before.allowed, after.allowed, before.rule_ids, after.rule_ids


def whatif_population(
    session: Session, *, current: PolicyEngine, draft: PolicyEngine, limit: int = 100_000
) -> tuple[int, list[Change]]:
    """Every registered person with a known place, at every airlock."""
    airlocks = _airlocks(session)
    ids = list(
        session.scalars(
            select(Person.id)
            .join(Presence, Presence.person_id == Person.id)
            .where(Person.archived_at.is_(None), Person.status != PersonStatus.DECEASED)
            .order_by(Person.id)
            .limit(limit)
        )
    )
    at = clock.now()
    checked, changes = 0, []
    for start in range(0, len(ids), CHUNK):
        facts = load_persons(session, ids[start : start + CHUNK], at)
        for person in facts.values():
            aboard = person.zone_kind == "internal"
            direction = Direction.EXIT if aboard else Direction.ENTER
            for portal in airlocks:
                request = cedar_input_for(person, portal, direction, [person])
                before, after, rb, ra = _compare(current, draft, request)
                checked += 1
                if before != after:
                    changes.append(
                        Change(
                            "population",
                            person.id,
                            person.name,
                            portal.name,
                            direction.value,
                            before,
                            after,
                            rb,
                            ra,
                        )
                    )
    return checked, changes


def whatif_log(
    session: Session, *, current: PolicyEngine, draft: PolicyEngine, recent: int = 1000
) -> tuple[int, list[Change]]:
    """The most recent decisions that reached Cedar, replayed as they were asked."""
    rows = session.execute(
        select(Decision, Person.name, Portal.name)
        .join(Portal, Portal.id == Decision.portal_id)
        .outerjoin(Person, Person.id == Decision.person_id)
        .order_by(Decision.decided_at.desc())
        .limit(recent)
    ).all()
    checked, changes = 0, []
    for decision, name, portal_name in rows:
        stored = decision.cedar_input
        if not stored or decision.person_id is None:
            continue  # denied before Cedar was asked (unknown, deceased): no policy changes that
        request = CedarInput.from_dict(stored)
        before, after, rb, ra = _compare(current, draft, request)
        checked += 1
        if before != after:
            changes.append(
                Change(
                    "log",
                    decision.person_id,
                    name or decision.person_ref,
                    portal_name,
                    decision.direction,
                    before,
                    after,
                    rb,
                    ra,
                )
            )
    return checked, changes


def whatif(
    session: Session,
    *,
    current: PolicyEngine,
    draft: PolicyEngine,
    population_limit: int = 100_000,
    recent: int = 1000,
) -> WhatIf:
    """Both views together."""
    n_pop, pop = whatif_population(session, current=current, draft=draft, limit=population_limit)
    n_log, log = whatif_log(session, current=current, draft=draft, recent=recent)
    return WhatIf(n_pop, n_log, pop + log)
