"""The open request at an airlock post: one compact line a person, for a glance at the door.

Each line says what the guard must do now: PERMITTED (with the time left on the permit and a
button to record the passage), DENIED, PASSED, REFUSED (the permit was spent because its
facts changed before the passage) or LAPSED (the permit ran out). The reason is given in a
few words on the line and in full under it, on tap. The guard chooses the order: permitted
first, or grouped by party.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster import clock
from muster.access.decisions import list_decisions
from muster.access.explain import instruction
from muster.access.facts import PortalFacts, load_portal
from muster.access.models import Decision, Passage
from muster.access.passages import PERMIT_VALID_FOR
from muster.people.models import Person
from muster.people.service import list_parties
from muster.policy.authorize import Resource
from muster.web.console.fragments import fragment

# The reason of a decision in a few words, by the rule that decided it.
SHORT_REASON = {
    "exit.visitor.own-vessel": "own vessel",
    "exit.station.duty-pass": "duty pass",
    "exit.station.transfer": "consent case approved",
    "enter.station.residents-crew": "resident or crew",
    "enter.visitor.visit-escorted": "escorted visit",
    "door.station.residents-crew": "resident or crew",
    "door.visitor.visit-zones": "visit allows zone",
    "door.evacuation.open": "evacuation",
    "exit.forbid.held": "under hold",
    "exit.forbid.resident-to-vessel": "no consent case",
    "any.forbid.deceased": "recorded deceased",
    "any.forbid.lockdown": "lockdown",
    "any.forbid.maintenance": "maintenance",
    "any.forbid.passback": "already on that side",
}
MAX_PICK = 500
ORDERS = {"permitted": "Permitted first", "grouped": "Group by party"}
# The order of the states on a permitted-first list: what the guard acts on comes first.
STATE_RANK = {"permit": 0, "deny": 1, "refused": 2, "lapsed": 3, "passed": 4}
VERDICT = {
    "permit": "PERMITTED",
    "deny": "DENIED",
    "refused": "REFUSED",
    "lapsed": "LAPSED",
    "passed": "PASSED",
}


@dataclass(frozen=True)
class RequestLine:
    """One person's line of the open request."""

    decision: Decision
    name: str
    group: str
    state: str  # permit, deny, passed, refused, lapsed
    short: str
    expires_at: datetime | None
    passed_at: datetime | None

    @property
    def verdict(self) -> str:
        """The word the guard reads first."""
        return VERDICT[self.state]


def portal_resource(portal: PortalFacts) -> Resource:
    """The portal as the resource of an operator action (the same attributes as the API)."""
    return portal.resource()


def short_reason(decision: Decision) -> str:
    """The reason of a decision in a few words (a hold named first)."""
    words = [SHORT_REASON[r] for r in decision.rule_ids if r in SHORT_REASON]
    if "exit.forbid.held" in decision.rule_ids:
        words.remove("under hold")
        words.insert(0, "under hold")
    if words:
        return ", ".join(dict.fromkeys(words))
    if "failed closed" in decision.explanation:
        return "failed closed"
    first = decision.explanation.split(":", 1)[-1].strip().split(";", 1)[0]
    return first if len(first) <= 40 else first[:38].rstrip() + "…"


def request_decisions(session: Session, portal_id: str, request_id: str) -> list[Decision]:
    """The decisions of one request at a portal, in the order asked."""
    if not request_id:
        return []
    rows = list_decisions(session, portal_id=portal_id, limit=MAX_PICK)
    return [r for r in rows if r.request_id == request_id]


def _passages(session: Session, decision_ids: list[str]) -> dict[str, datetime]:
    """When each decision's passage was recorded (read only)."""
    if not decision_ids:
        return {}
    rows = session.execute(
        select(Passage.decision_id, Passage.at).where(Passage.decision_id.in_(decision_ids))
    ).all()
    return {r[0]: r[1] for r in rows}


def _groups(session: Session, person_ids: list[str]) -> dict[str, tuple[str, str]]:
    """Each person's name and group (their party, or their affiliation) by person id."""
    if not person_ids:
        return {}
    parties = {p.id: p.name for p in list_parties(session, limit=200)[0]}
    rows = session.execute(
        select(Person.id, Person.name, Person.affiliation, Person.party_id).where(
            Person.id.in_(person_ids)
        )
    ).all()
    groups = {}
    for pid, name, affiliation, party_id in rows:
        group = parties.get(party_id or "", "") or f"{affiliation.value}s".capitalize()
        groups[pid] = (name, group)
    return groups


def request_lines(session: Session, decisions: list[Decision], now: datetime) -> list[RequestLine]:
    """The lines of a request, each in the state it is in now."""
    passed = _passages(session, [d.id for d in decisions])
    people = _groups(session, [d.person_id for d in decisions if d.person_id])
    lines = []
    for d in decisions:
        name, group = people.get(d.person_id or "", (d.person_ref, "Not on record"))
        expires = d.decided_at + PERMIT_VALID_FOR if d.allowed else None
        if not d.allowed:
            state = "deny"
        elif d.id in passed:
            state = "passed"
        elif d.used_at is not None:
            state = "refused"
        elif expires is not None and expires <= now:
            state = "lapsed"
        else:
            state = "permit"
        lines.append(RequestLine(d, name, group, state, short_reason(d), expires, passed.get(d.id)))
    return lines


def ordered(lines: list[RequestLine], order: str) -> list[tuple[str, list[RequestLine]]]:
    """The lines in the guard's chosen order, as (heading, lines) groups."""
    by_state = sorted(lines, key=lambda line: (STATE_RANK[line.state], line.name))
    if order != "grouped":
        return [("", by_state)]
    groups: dict[str, list[RequestLine]] = {}
    for line in by_state:
        groups.setdefault(line.group, []).append(line)
    return sorted(groups.items())


@fragment("post_request", action="registry.read")
def post_request_part(session: Session, viewer: Any, params: Mapping[str, str]) -> dict[str, Any]:
    """The decisions of the request open at this post, with passage buttons."""
    portal = load_portal(session, params.get("portal", ""))
    request_id = params.get("request", "")
    order = params.get("order", "") if params.get("order", "") in ORDERS else "permitted"
    now = clock.now()
    lines = request_lines(session, request_decisions(session, portal.id, request_id), now)
    allowed = sum(1 for line in lines if line.decision.allowed)
    return {
        "portal": portal,
        "request_id": request_id,
        "order": order,
        "orders": ORDERS,
        "lines": lines,
        "line_groups": ordered(lines, order),
        "open_permits": [line for line in lines if line.state == "permit"],
        "now": now,
        "instruction": instruction(allowed, len(lines) - allowed) if lines else "",
        "may_record": viewer.can("passage.record", portal_resource(portal)),
    }
