"""Deciding who may pass a portal, person by person, and keeping every decision.

Fail closed: an unknown, archived or deceased person, any evaluation error and a Cedar
``NoDecision`` are denials with a reason, and each raises an ``access.alert`` event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster import clock
from muster.access.engine import PolicyEngine, Verdict
from muster.access.enums import Direction, cedar_action
from muster.access.explain import explain, instruction
from muster.access.facts import (
    PersonFacts,
    PortalFacts,
    context_for,
    load_persons,
    load_portal,
    resolve_refs,
)
from muster.access.models import Decision
from muster.access.policy_store import sync_active_engine
from muster.auth.actor import Actor
from muster.db import new_id
from muster.errors import Invalid, NotFound
from muster.events.service import append_event

DECIDED = "access.decided"
ALERT = "access.alert"
MAX_GROUP = 500


@dataclass(frozen=True)
class CedarInput:
    """What one Cedar request is made of (kept with the decision for replay)."""

    action: str
    person: dict[str, Any]
    portal: dict[str, Any]
    context: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        """The stored form."""
        return {
            "action": self.action,
            "person": self.person,
            "portal": self.portal,
            "context": self.context,
        }


def cedar_input_for(
    person: PersonFacts, portal: PortalFacts, direction: Direction, group: list[PersonFacts]
) -> CedarInput:
    """The Cedar request for one person in a group at a portal."""
    return CedarInput(
        action=cedar_action(portal.kind, direction),
        person=person.entity(),
        portal=portal.entity(),
        context=context_for(person, portal, direction, group),
    )


def evaluate(engine: PolicyEngine, request: CedarInput) -> Verdict:
    """Ask Cedar; any doubt is a deny."""
    return engine.decide(
        principal=("Person", request.person["uid"]["id"]),
        action=request.action,
        resource=("Portal", request.portal["uid"]["id"]),
        context=request.context,
        entities=[request.person, request.portal],
    )


def fail_closed(reason: str) -> Verdict:
    """A denial made before Cedar is asked, or because it could not answer."""
    return Verdict(False, (), (reason,), reason)


def _precheck(person: PersonFacts | None, ref: str) -> Verdict | None:
    if person is None:
        return fail_closed(f"unknown person {ref!r}: not on the register")
    if person.archived:
        return fail_closed(f"{person.name} is archived: not on the active register")
    if person.status == "deceased":
        return fail_closed(f"{person.name} is recorded as deceased")
    return None


@dataclass(frozen=True)
class PersonDecision:
    """One person's decision, as stored and returned."""

    decision_id: str
    person_ref: str
    person_id: str | None
    name: str
    allowed: bool
    rule_ids: tuple[str, ...]
    explanation: str


@dataclass(frozen=True)
class GroupDecision:
    """A request for one or many persons at a portal."""

    request_id: str
    portal_id: str
    portal_name: str
    direction: Direction
    policy_version: str
    decisions: list[PersonDecision]

    @property
    def allowed_count(self) -> int:
        """How many may pass."""
        return sum(1 for d in self.decisions if d.allowed)

    @property
    def instruction(self) -> str:
        """The line for the guards."""
        return instruction(self.allowed_count, len(self.decisions) - self.allowed_count)


def decide_request(
    session: Session,
    *,
    portal_id: str,
    person_refs: list[str],
    direction: Direction,
    actor: Actor,
    engine: PolicyEngine | None = None,
) -> GroupDecision:
    """Decide each person of a request at a portal, store the decisions and log them."""
    if not person_refs:
        raise Invalid("name at least one person (id, badge id or name)")
    if len(person_refs) > MAX_GROUP:
        raise Invalid(f"at most {MAX_GROUP} persons per request; split the group")
    engine = engine or sync_active_engine(session)
    portal = load_portal(session, portal_id)
    at = clock.now()
    refs = resolve_refs(session, person_refs)
    facts = load_persons(session, list(refs.values()), at)
    group = [facts[refs[r]] for r in person_refs if r in refs and refs[r] in facts]
    request_id = new_id()
    out: list[PersonDecision] = []
    for ref in person_refs:
        person = facts.get(refs.get(ref, ""))
        verdict = _precheck(person, ref)
        stored_input: dict[str, Any] = {}
        if verdict is None and person is not None:
            cedar_in = cedar_input_for(person, portal, direction, group)
            stored_input = cedar_in.as_dict()
            verdict = evaluate(engine, cedar_in)
            if not verdict.allowed and not verdict.errors and "no decision" in verdict.reason:
                verdict = fail_closed(verdict.reason)
        assert verdict is not None
        if person is not None:
            words = explain(verdict, person, portal, direction)
        else:
            words = f"Denied (failed closed): {verdict.reason}"
        out.append(
            _record(
                session,
                request_id=request_id,
                ref=ref,
                person=person,
                portal=portal,
                direction=direction,
                verdict=verdict,
                explanation=words,
                engine=engine,
                cedar_input=stored_input,
                actor=actor,
            )
        )
    return GroupDecision(request_id, portal.id, portal.name, direction, engine.version, out)


def _record(
    session: Session,
    *,
    request_id: str,
    ref: str,
    person: PersonFacts | None,
    portal: PortalFacts,
    direction: Direction,
    verdict: Verdict,
    explanation: str,
    engine: PolicyEngine,
    cedar_input: dict[str, Any],
    actor: Actor,
) -> PersonDecision:
    row = Decision(
        id=new_id(),
        request_id=request_id,
        person_ref=ref,
        person_id=person.id if person else None,
        portal_id=portal.id,
        direction=direction.value,
        allowed=verdict.allowed,
        rule_ids=list(verdict.rule_ids),
        explanation=explanation,
        policy_version=engine.version,
        cedar_input=cedar_input,
        decided_at=clock.now(),
        actor_id=actor.id,
        actor=actor.label,
    )
    session.add(row)
    subjects = [person.id if person else "", portal.id, person.party_id if person else ""]
    payload = {
        "decision_id": row.id,
        "request_id": request_id,
        "person": person.name if person else ref,
        "portal": portal.name,
        "direction": direction.value,
        "allowed": verdict.allowed,
        "rules": list(verdict.rule_ids),
        "explanation": explanation,
        "policy_version": engine.version,
    }
    append_event(session, kind=DECIDED, actor=actor, subjects=subjects, payload=payload)
    if verdict.errors:
        append_event(
            session,
            kind=ALERT,
            actor=actor,
            subjects=subjects,
            payload={**payload, "errors": list(verdict.errors)},
        )
    return PersonDecision(
        decision_id=row.id,
        person_ref=ref,
        person_id=row.person_id,
        name=person.name if person else ref,
        allowed=verdict.allowed,
        rule_ids=verdict.rule_ids,
        explanation=explanation,
    )


def list_decisions(
    session: Session,
    *,
    portal_id: str | None = None,
    person_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Decision]:
    """Recent decisions, newest first."""
    query = select(Decision)
    if portal_id:
        query = query.where(Decision.portal_id == portal_id)
    if person_id:
        query = query.where(Decision.person_id == person_id)
    query = query.order_by(Decision.decided_at.desc()).limit(limit).offset(offset)
    return list(session.scalars(query).all())


def get_decision(session: Session, decision_id: str) -> Decision:
    """One stored decision."""
    row = session.get(Decision, decision_id)
    if row is None:
        raise NotFound(f"no decision with id {decision_id!r}")
    return row
