"""A door controller: decides at its portals over its replica, journals before answering.

The decision is the server's: the facts come from ``load_request`` over the replica's
copy of the server's tables and the verdicts from ``rule_on``, the one decision function.
What the door adds is the freshness contract (an airlock exit is decided only while the
replica is current; otherwise it is denied, failing secure, with the reason) and the
journal: every answer is on disk before the reader hears it, and uploaded later.
"""

from __future__ import annotations

import threading
from contextvars import Context
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from muster import clock
from muster.access.decisions import (
    Ruling,
    check_refs,
    engine_for,
    rule_on,
)
from muster.access.enums import Direction
from muster.access.explain import instruction
from muster.access.facts import PortalFacts, RequestFacts, load_request
from muster.access.passages import PERMIT_VALID_FOR, fact_changes, refusal_reason
from muster.access.permit_identity import GroupPermit, PermitState
from muster.db import new_id
from muster.door.freshness import Freshness
from muster.door.journal import ALERT, PASSAGE, REQUEST, Journal
from muster.door.replica import Replica
from muster.errors import Conflict, Invalid, NotFound
from muster.events.chain import format_time
from muster.policy.engine import Verdict

STALE_RULE = "door.failed_secure"
KEY_MAX = 200  # the central server's bound on an Idempotency-Key, so every journalled key uploads


@dataclass(frozen=True)
class DoorConfig:
    """Which portals this controller serves and where it keeps its files."""

    portals: tuple[str, ...]  # ids or names
    data_dir: Path


def fails_secure(portal: PortalFacts, direction: Direction) -> bool:
    """True for what a stale door may not decide: an exit through an airlock. Entries and
    internal doors keep deciding on the replica they have."""
    return portal.kind == "airlock" and direction == Direction.EXIT


@dataclass(frozen=True)
class Ask:
    """A reader's request waiting to be decided (``decide_many``), with the context it
    came in (the clock an exercise set)."""

    portal_id: str
    person_refs: list[str]
    direction: Direction
    context: Context


@dataclass(frozen=True)
class Ruled:
    """A request decided: its journal entry (key, portal, body) and the reader's answer."""

    key: str
    portal_id: str
    body: dict[str, Any]
    answer: dict[str, Any]


class DoorController:
    """One controller: its replica, its journal and what it knows of the server's head."""

    def __init__(self, config: DoorConfig, freshness: Freshness | None = None) -> None:
        config.data_dir.mkdir(parents=True, exist_ok=True)
        self.config = config
        self.replica = Replica(config.data_dir / "replica.db")
        self.journal = Journal(config.data_dir / "journal.db")
        self.freshness = freshness or Freshness()
        cursors = self.replica.cursors()
        self.freshness.applied(cursors.applied_seq, cursors.row_n)
        self.on_journal: list[Any] = []  # callables woken after each entry (the uploader)
        # Held from a passage's checks (its key unused, its permit unspent) to its journal
        # entry: two passages at once for one permit must not both find it unspent.
        self._passages = threading.Lock()

    def _served(self, portal: PortalFacts) -> None:
        if portal.id not in self.config.portals and portal.name not in self.config.portals:
            raise NotFound(f"this door controller does not serve portal {portal.name!r}")

    def decide(
        self, *, portal_id: str, person_refs: list[str], direction: Direction
    ) -> dict[str, Any]:
        """Decide a request at one of this door's portals, journal it, and answer."""
        ruled = self.rule(portal_id=portal_id, person_refs=person_refs, direction=direction)
        self._journal(key=ruled.key, kind=REQUEST, portal_id=ruled.portal_id, body=ruled.body)
        return ruled.answer

    def rule_many(self, asks: list[Ask]) -> list[Ruled | Exception]:
        """Decide several requests in turn, each in the context it came in; each one's
        decision, or what it raised (a 404 or 422 of its own, not the others')."""
        # A replica only behind is waited for once for the whole batch (up to a heartbeat),
        # not once for each request in it: the requests queued behind one another would
        # otherwise wait a heartbeat each, right after a hold when it matters most.
        self._wait_if_only_behind()
        out: list[Ruled | Exception] = []
        for ask in asks:
            try:
                out.append(
                    ask.context.run(
                        self.rule,
                        portal_id=ask.portal_id,
                        person_refs=ask.person_refs,
                        direction=ask.direction,
                        wait=False,
                    )
                )
            except Exception as exc:
                out.append(exc)
        return out

    def journal_ruled(self, ruled: list[Ruled | Exception]) -> list[dict[str, Any] | Exception]:
        """Journal the decisions of ``rule_many`` in one commit (one fsync); each one's
        answer, now durable, or its error. If the commit fails, every decision of it gets
        the error and none is answered."""
        decided = [r for r in ruled if isinstance(r, Ruled)]
        entries = [(r.key, REQUEST, r.portal_id, r.body) for r in decided]
        errors = iter(self.journal.write_many(entries))
        if decided:
            self._woken()
        out: list[dict[str, Any] | Exception] = []
        for r in ruled:
            if isinstance(r, Ruled):
                error = next(errors)
                out.append(r.answer if error is None else error)
            else:
                out.append(r)
        return out

    def _wait_if_only_behind(self) -> None:
        """The heads are recent and the replica is applying what it was just told of (a
        timed job's event, another door's decision with a row): it catches up within a
        heartbeat, so wait that long before failing a guard's request secure."""
        if self.freshness.stale_reason() and self.freshness.only_behind():
            self.freshness.catch_up()

    def rule(
        self, *, portal_id: str, person_refs: list[str], direction: Direction, wait: bool = True
    ) -> Ruled:
        """The decision of a request and its journal entry, not journalled yet. ``wait``:
        wait for a replica that is only behind first (``rule_many`` waits once a batch)."""
        check_refs(person_refs)
        if wait:
            self._wait_if_only_behind()
        stale = self.freshness.stale_reason()
        replica_rows = self.freshness.applied_rows  # read before the facts: never ahead
        with self.replica.read_session() as session:
            known = load_request(session, portal_id, person_refs, clock.now())
            self._served(known.portal)
            if stale and fails_secure(known.portal, direction):
                rulings = _failed_secure(known, person_refs, direction, stale)
                version = known.policy_version
            else:
                stale = ""
                engine = engine_for(session, known.policy_version)
                rulings = rule_on(engine, known, person_refs, direction)
                version = engine.version
        request_id, decided_at = new_id(), clock.now()
        decisions = [_decision_body(r) for r in rulings]
        body: dict[str, Any] = {
            "request_id": request_id,
            "direction": direction.value,
            "policy_version": version,
            "decided_at": format_time(decided_at),
            "stale": stale,
            "replica_rows": replica_rows,
            "decisions": decisions,
        }
        allowed = sum(1 for r in rulings if r.verdict.allowed)
        answer = {
            "request_id": request_id,
            "portal_id": known.portal.id,
            "portal": known.portal.name,
            "direction": direction.value,
            "policy_version": version,
            "instruction": instruction(allowed, len(rulings) - allowed),
            "allowed": allowed,
            "denied": len(rulings) - allowed,
            "decisions": [
                {
                    **d,
                    "name": r.person.name if r.person else r.person_ref,
                }
                for d, r in zip(decisions, rulings, strict=True)
            ],
            "decided_at_door": True,
            "alert": f"Exit denied at the door, failing secure: {stale}" if stale else "",
        }
        return Ruled(request_id, known.portal.id, body, answer)

    def record_passage(
        self, *, portal_id: str, person_ref: str, direction: Direction, idempotency_key: str
    ) -> tuple[dict[str, Any], bool]:
        """Journal that a permitted person went through; (the passage, whether new)."""
        key = idempotency_key.strip()
        if not key or len(key) > KEY_MAX:
            raise Invalid(
                f"send an Idempotency-Key of 1 to {KEY_MAX} characters so a retry never "
                "records twice"
            )
        with self.replica.read_session() as session:
            known = load_request(session, portal_id, [person_ref], clock.now())
        self._served(known.portal)
        person_id = known.refs.get(person_ref)
        if person_id is None:
            raise NotFound(f"no person {person_ref!r} on this door's register")
        with self._passages:
            return self._spend_permit(known, person_id, person_ref, direction, key)

    def _spend_permit(
        self, known: RequestFacts, person_id: str, person_ref: str, direction: Direction, key: str
    ) -> tuple[dict[str, Any], bool]:
        """The passage of ``record_passage`` once its person is known, under the lock."""
        for entry in self.journal.entries_of(PASSAGE, key):
            same = (entry.body["person"], entry.body["portal_id"], entry.body["direction"])
            if same != (person_id, known.portal.id, direction.value):
                raise Conflict(
                    "this Idempotency-Key was used for another passage at this door; "
                    "send a new key for each passage"
                )
            return entry.body, False
        found = self._permit(known.portal.id, person_id, direction)
        if found is None:
            raise Conflict(
                f"no recent unused permit at this door for {person_ref} to {direction.value}; "
                "ask the door for a decision first"
            )
        permit, policy_version, group = found
        with self.replica.read_session() as session:
            changes = fact_changes(
                session,
                person_id=person_id,
                cedar_input=permit.get("cedar_input") or {},
                policy_version=policy_version,
                portal_id=known.portal.id,
                direction=direction,
                at=clock.now(),
                group=group,
            )
        if changes:
            person = known.persons.get(person_id)
            name = person.name if person else person_ref
            reason = refusal_reason(name, direction, known.portal.name, changes)
            self.alert_post(
                key=new_id(),
                portal_id=known.portal.id,
                about="passage.refused",
                text=f"Passage refused at the door: {reason}.",
                person_id=person_id,
                decision_id=str(permit["decision_id"]),
            )
            raise Conflict(reason)
        body = {
            "key": key,
            "person": person_id,
            "direction": direction.value,
            "decision_id": str(permit["decision_id"]),
            "portal_id": known.portal.id,
        }
        self._journal(key=key, kind=PASSAGE, portal_id=known.portal.id, body=body)
        return body, True

    def _permit(
        self, portal_id: str, person_id: str, direction: Direction
    ) -> tuple[dict[str, Any], str, list[GroupPermit]] | None:
        """The newest unspent permit (its decision), the policy version it was decided on, and
        the others permitted in the same request with their Cedar input (an escort)."""
        since: datetime = clock.now() - PERMIT_VALID_FOR + timedelta(seconds=1)
        spent, passed = self.journal.permits_spent(), self.journal.permits_passed()
        for entry in reversed(self.journal.requests_since(portal_id, since)):
            if entry.body["direction"] != direction.value:
                continue
            for d in entry.body["decisions"]:
                if d["person_id"] == person_id and d["allowed"] and d["decision_id"] not in spent:
                    group = [
                        GroupPermit(
                            str(o["person_id"]),
                            dict(o.get("cedar_input") or {}),
                            PermitState.of(
                                spent=o["decision_id"] in spent, passed=o["decision_id"] in passed
                            ),
                        )
                        for o in entry.body["decisions"]
                        if o["allowed"] and o.get("person_id") and o["person_id"] != person_id
                    ]
                    return d, str(entry.body["policy_version"]), group
        return None

    def alert_post(
        self,
        *,
        key: str,
        portal_id: str,
        about: str,
        text: str,
        person_id: str | None = None,
        decision_id: str | None = None,
        entry_key: str = "",
    ) -> None:
        """Journal an alert for the post at ``portal_id``, uploaded like every entry and
        raised on the central record; once per ``key``."""
        if self.journal.entries_of(ALERT, key):
            return
        body = {
            "about": about,
            "text": text,
            "person_id": person_id,
            "decision_id": decision_id,
            "entry_key": entry_key,
        }
        self._journal(key=key, kind=ALERT, portal_id=portal_id, body=body)

    def _journal(self, *, key: str, kind: str, portal_id: str, body: dict[str, Any]) -> None:
        self.journal.write(key=key, kind=kind, portal_id=portal_id, body=body)
        self._woken()

    def _woken(self) -> None:
        for wake in self.on_journal:
            wake()

    def health(self) -> dict[str, Any]:
        """Freshness, lag and the journal's backlog."""
        stale = self.freshness.stale_reason()
        return {
            "fresh": not stale,
            "stale": stale,
            **self.freshness.lag(),
            "journal_pending": self.journal.pending_count(),
            "portals": list(self.config.portals),
        }


def _failed_secure(
    known: RequestFacts, person_refs: list[str], direction: Direction, stale: str
) -> list[Ruling]:
    verdict = Verdict(False, (STALE_RULE,), (), f"exit not decided at the door: {stale}")
    words = (
        f"Denied (failed secure): {stale}. Do not let them {direction.value}; call the "
        "command post."
    )
    return [
        Ruling(ref, known.persons.get(known.refs.get(ref, "")), verdict, None, words)
        for ref in person_refs
    ]


def _decision_body(ruling: Ruling) -> dict[str, Any]:
    verdict = ruling.verdict
    return {
        "decision_id": new_id(),
        "person_ref": ruling.person_ref,
        "person_id": ruling.person.id if ruling.person else None,
        "allowed": verdict.allowed,
        "rule_ids": list(verdict.rule_ids),
        "explanation": ruling.explanation,
        "cedar_input": ruling.cedar_input.as_dict() if ruling.cedar_input else {},
    }
