"""Deciding who may pass a portal, person by person, and keeping every decision.

Fail closed: an unknown, archived or deceased person, any evaluation error and a Cedar
``NoDecision`` are denials with a reason, and each raises an ``access.alert`` event.

This is the hot path of every airlock (bench/access.py): one Core query for the facts, one
Cedar call per request over the rules that can apply (cedar_slices.py), one Core insert of
the decision rows, the events written in the same round of statements; no ORM objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from muster import clock
from muster.access.cedar_slices import authorize_group, authorize_one
from muster.access.enums import Direction, cedar_action
from muster.access.explain import explain, instruction
from muster.access.facts import (
    PersonFacts,
    PortalFacts,
    RequestFacts,
    context_for,
    load_request,
)
from muster.access.models import Decision
from muster.access.policy_store import sync_active_engine
from muster.access.portal_rules import authorize_portal_ref
from muster.db import new_id
from muster.errors import Invalid, NotFound
from muster.events.service import AWAIT_SEAL, append_event
from muster.policy.actor import Actor
from muster.policy.authorize import authorize
from muster.policy.engine import PolicyEngine, Verdict, active_engine

DECIDED = "access.decided"
ALERT = "access.alert"
MAX_GROUP = 500
_INSERT_DECISIONS = insert(cast(Table, Decision.__table__))


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

    @classmethod
    def from_dict(cls, stored: dict[str, Any], **context: Any) -> CedarInput:
        """The request from its stored form (``as_dict``), with ``context`` entries set."""
        return cls(
            str(stored["action"]),
            dict(stored["person"]),
            dict(stored["portal"]),
            {**stored["context"], **context},
        )


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
    """Ask Cedar about one request; any doubt is a deny."""
    return authorize_one(
        engine,
        action=request.action,
        person=request.person,
        portal=request.portal,
        context=request.context,
    )


def evaluate_all(engine: PolicyEngine, requests: list[CedarInput]) -> list[Verdict]:
    """Ask Cedar about the requests of a group at one portal: one call for all of them."""
    if len(requests) == 1:
        return [evaluate(engine, requests[0])]
    if not requests:
        return []
    return authorize_group(
        engine,
        action=requests[0].action,
        portal=requests[0].portal,
        asks=[(r.person, r.context) for r in requests],
    )


def _evaluate(engine: PolicyEngine, requests: dict[int, CedarInput]) -> dict[int, Verdict]:
    """Cedar's verdicts by position; a ``NoDecision`` is a denial that failed closed."""
    out: dict[int, Verdict] = {}
    for i, answer in zip(requests, evaluate_all(engine, list(requests.values())), strict=True):
        if not answer.allowed and not answer.errors and "no decision" in answer.reason:
            answer = fail_closed(answer.reason)
        out[i] = answer
    return out


def _decide_group(
    engine: PolicyEngine,
    portal: PortalFacts,
    direction: Direction,
    candidates: dict[int, PersonFacts],
) -> tuple[dict[int, CedarInput], dict[int, Verdict]]:
    """Decide persons passing together; an escort counts only if permitted in this request.

    The first round counts everyone of the group; then, while someone counted was denied,
    the count shrinks to those permitted and the persons whose context changed are asked
    again. The counted set only shrinks, so this ends, with every counted escort permitted.
    """
    counted = list(candidates)
    group = list(candidates.values())
    inputs = {i: cedar_input_for(p, portal, direction, group) for i, p in candidates.items()}
    answers = _evaluate(engine, inputs)
    while True:
        permitted = [i for i in counted if answers[i].allowed]
        if len(permitted) == len(counted):
            return inputs, answers
        counted = permitted
        group = [candidates[i] for i in counted]
        again = {i: cedar_input_for(p, portal, direction, group) for i, p in candidates.items()}
        changed = {i: r for i, r in again.items() if r.context != inputs[i].context}
        inputs.update(changed)
        answers.update(_evaluate(engine, changed))


def fail_closed(reason: str) -> Verdict:
    """A denial made before Cedar is asked, or because it could not answer."""
    return Verdict(False, (), (reason,), reason)


def precheck(person: PersonFacts | None, ref: str) -> Verdict | None:
    """The denial owed before Cedar is asked (unknown, archived, deceased), or None."""
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


def engine_for(session: Session, version_id: str) -> PolicyEngine:
    """The engine of the active version read with the facts; syncs only on a change."""
    current = active_engine()
    if current.version == version_id:
        return current
    return sync_active_engine(session)


def check_refs(person_refs: list[str]) -> None:
    """Refuse a request that names no one or too many (Invalid, saying what to fix)."""
    if not person_refs:
        raise Invalid("pick at least one person (an id, badge id or name), then ask again")
    if len(person_refs) > MAX_GROUP:
        raise Invalid(f"at most {MAX_GROUP} persons per request; split the group")


@dataclass(frozen=True)
class Ruling:
    """The decision owed to one person of a request, before anything is stored."""

    person_ref: str
    person: PersonFacts | None
    verdict: Verdict
    cedar_input: CedarInput | None  # None: denied before Cedar was asked
    explanation: str


def rule_on(
    engine: PolicyEngine, known: RequestFacts, person_refs: list[str], direction: Direction
) -> list[Ruling]:
    """Decide each person of a request over the facts in ``known``: the one decision
    function, pure (no database, no clock), that the server and every door controller call.

    Unknown, archived and deceased persons are denied before Cedar is asked; the rest are
    decided together (escorts count only when permitted in the same request).
    """
    portal, refs, facts = known.portal, known.refs, known.persons
    persons = [facts.get(refs.get(ref, "")) for ref in person_refs]
    verdicts = [precheck(p, ref) for p, ref in zip(persons, person_refs, strict=True)]
    candidates = {
        i: p
        for i, (p, v) in enumerate(zip(persons, verdicts, strict=True))
        if v is None and p is not None
    }
    inputs, answers = _decide_group(engine, portal, direction, candidates)
    for i, answer in answers.items():
        verdicts[i] = answer
    out: list[Ruling] = []
    for i, (ref, person) in enumerate(zip(person_refs, persons, strict=True)):
        verdict = verdicts[i]
        assert verdict is not None  # every person was prechecked or evaluated
        if person is not None:
            words = explain(verdict, person, portal, direction)
        else:
            words = f"Denied (failed closed): {verdict.reason}"
        out.append(Ruling(ref, person, verdict, inputs.get(i), words))
    return out


def decide_request(
    session: Session,
    *,
    portal_id: str,
    person_refs: list[str],
    direction: Direction,
    actor: Actor,
    engine: PolicyEngine | None = None,
) -> GroupDecision:
    """Decide each person of a request at a portal, store the decisions and log them.

    One query reads the portal, the active policy version and every person's facts (one
    more per kind of detail some have: holds, transfers, visits); Cedar is asked once for
    the group (``rule_on``); the decision rows and their events are written before this
    returns.
    """
    authorize_portal_ref(actor, "access.request", portal_id)
    if len(person_refs) > MAX_GROUP:
        check_refs(person_refs)  # before reading that many persons
    known = load_request(session, portal_id, person_refs, clock.now())
    # Authorized on the portal read in the same query, before anything of the persons is
    # told or the request is judged.
    authorize(actor, "access.request", known.portal.resource())
    check_refs(person_refs)
    engine = engine or engine_for(session, known.policy_version)
    portal = known.portal
    rulings = rule_on(engine, known, person_refs, direction)
    request_id, decided_at = new_id(), clock.now()
    rows: list[dict[str, Any]] = []
    out: list[PersonDecision] = []
    for ruling in rulings:
        person, verdict = ruling.person, ruling.verdict
        decision_id = new_id()
        row: dict[str, Any] = {
            "id": decision_id,
            "request_id": request_id,
            "person_ref": ruling.person_ref,
            "person_id": person.id if person else None,
            "portal_id": portal.id,
            "direction": direction.value,
            "allowed": verdict.allowed,
            "rule_ids": list(verdict.rule_ids),
            "explanation": ruling.explanation,
            "policy_version": engine.version,
            "cedar_input": ruling.cedar_input.as_dict() if ruling.cedar_input else {},
            "decided_at": decided_at,
            "actor_id": actor.id,
            "actor": actor.label,
            "used_at": None,
        }
        rows.append(row)
        log_decision(session, row, person, portal, verdict, actor, defer=True)
        out.append(
            PersonDecision(
                decision_id,
                ruling.person_ref,
                person.id if person else None,
                person.name if person else ruling.person_ref,
                verdict.allowed,
                verdict.rule_ids,
                ruling.explanation,
            )
        )
    session.execute(_INSERT_DECISIONS, rows)
    # The events are sealed after commit (a busy airlock's decisions then commit side by
    # side instead of queueing on the chain lock); the commit returns once they are sealed,
    # so whoever reads the log after the answer finds them.
    session.info[AWAIT_SEAL] = True
    return GroupDecision(request_id, portal.id, portal.name, direction, engine.version, out)


def log_decision(
    session: Session,
    row: dict[str, Any],
    person: PersonFacts | None,
    portal: PortalFacts,
    verdict: Verdict,
    actor: Actor,
    *,
    defer: bool = False,
) -> list[int]:
    """The ``access.decided`` event of one decision, and ``access.alert`` if it failed closed;
    the seqs of the events appended. ``defer``: left for the sealer (``append_event``'s
    ``defer_seal``); no seqs are known then, and none are returned."""
    subjects = [person.id if person else "", portal.id, person.party_id if person else ""]
    payload = {
        "decision_id": row["id"],
        "request_id": row["request_id"],
        "person": person.name if person else row["person_ref"],
        "portal": portal.name,
        "direction": row["direction"],
        "allowed": verdict.allowed,
        "rules": list(verdict.rule_ids),
        "explanation": row["explanation"],
        "policy_version": row["policy_version"],
    }
    events = [
        append_event(
            session, kind=DECIDED, actor=actor, subjects=subjects, payload=payload, defer_seal=defer
        )
    ]
    if verdict.errors:
        events.append(
            append_event(
                session,
                kind=ALERT,
                actor=actor,
                subjects=subjects,
                payload={**payload, "errors": list(verdict.errors)},
                defer_seal=defer,
            )
        )
    return [e.seq for e in events if e.seq is not None]


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
