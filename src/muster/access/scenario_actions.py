"""Exercise actions and checks for airlocks: holds, group requests, passages, modes, presence.

A party at an airlock is asked for as one group request and decided person by person;
passages are then recorded for the permitted persons of that request, all at once or a
few at a time (visitors leaving in pairs). Head counts can be recorded at any step and
judged by the expectations at the end.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Self

from pydantic import Field, model_validator
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from muster.access import holds, passes, presence
from muster.access.decisions import decide_request
from muster.access.enums import Direction, HoldKind
from muster.access.facts import load_portal
from muster.access.models import Decision, Hold, Passage
from muster.access.modes import set_portal_mode
from muster.access.passages import record_passage
from muster.access.presence import head_counts, set_presence
from muster.db import new_id
from muster.errors import Conflict, Invalid, NotFound
from muster.events.models import Event, EventSubject
from muster.people.enums import Affiliation
from muster.people.models import Person
from muster.people.service import find_party, find_person
from muster.places.enums import PortalMode
from muster.places.models import Portal
from muster.places.service import find_zone
from muster.scenario.actions import ActionArgs, ActionContext, register_action
from muster.scenario.builtins import PersonSelection
from muster.scenario.checks import CheckArgs, CheckContext, CheckResult, CountBounds, register_check

HEADCOUNT_RECORDED = presence.HEADCOUNT_RECORDED
DECIDED = "access.decided"


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


class GroupSelection(ActionArgs):
    """Persons named one by one, in lists, or by scenario groups; at least one is given."""

    person: str | None = None
    persons: list[str] = Field(default_factory=list)
    group: str | None = None
    groups: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _some_selection(self) -> Self:
        if not (self.person or self.persons or self.group or self.groups):
            raise ValueError("name the persons: person, persons, group or groups")
        return self

    def names(self, ctx: ActionContext) -> list[str]:
        """The names selected, in the order given, each once."""
        found = [self.person] if self.person else []
        found += self.persons
        for group in ([self.group] if self.group else []) + self.groups:
            found += ctx.group(group)
        return list(dict.fromkeys(found))


# Actions


class HoldArgs(PersonSelection):
    """A hold on each selected person, with the reason every airlock will show."""

    kind: HoldKind = HoldKind.PROVISIONAL
    reason: str = Field(min_length=1, max_length=2000)


@register_action("access.hold.place")
def place_holds(ctx: ActionContext, args: HoldArgs) -> str:
    """Place a hold on each selected person (provisional: commander or officer)."""
    names = args.names(ctx)
    for name in names:
        holds.place_hold(
            ctx.session, person_id=name, kind=args.kind, reason=args.reason, actor=ctx.actor
        )
    return f"{args.kind.value} hold placed on {_plural(len(names), 'person')}: {args.reason}"


class RequestArgs(GroupSelection):
    """A group asking to pass a portal in one direction."""

    portal: str
    direction: Direction


@register_action("access.request")
def request_passage(ctx: ActionContext, args: RequestArgs) -> str:
    """Ask the portal for the whole group; each person is decided and the decision kept
    (at the airlock's door controller when the exercise puts its airlocks behind doors)."""
    if ctx.doors is not None:
        portal = load_portal(ctx.session, args.portal)
        if ctx.doors.serves(portal):
            done: str = ctx.doors.request(
                ctx.session, ctx.actor, portal, args.names(ctx), args.direction
            )
            return done
    group = decide_request(
        ctx.session,
        portal_id=args.portal,
        person_refs=args.names(ctx),
        direction=args.direction,
        actor=ctx.actor,
    )
    return f"{group.portal_name}, {args.direction.value}: {group.instruction}"


class PassageArgs(ActionArgs):
    """Passages of the permitted persons of the last request at a portal (or only some)."""

    portal: str
    persons: list[str] = Field(default_factory=list)


def last_request(session: Session, portal_id: str) -> list[Decision]:
    """The decisions of the latest request at a portal, in the order they were made."""
    payload = session.scalar(
        select(Event.payload)
        .join(EventSubject, EventSubject.seq == Event.seq)
        .where(Event.kind == DECIDED, EventSubject.subject == portal_id)
        .order_by(Event.seq.desc())
        .limit(1)
    )
    if payload is None:
        return []
    rows = session.scalars(select(Decision).where(Decision.request_id == payload["request_id"]))
    return list(rows.all())


@register_action("access.passage")
def record_passages(ctx: ActionContext, args: PassageArgs) -> str:
    """Record that permitted persons of the portal's last request went through."""
    portal = load_portal(ctx.session, args.portal)
    portal_id, portal_name = portal.id, portal.name
    decisions = last_request(ctx.session, portal_id)
    if not decisions:
        raise NotFound(f"nobody has asked to pass {portal_name} yet; make a request first")
    by_name = {find_person(ctx.session, d.person_id).name: d for d in decisions if d.person_id}
    if args.persons:
        chosen = []
        for name in args.persons:
            decision = by_name.get(name)
            if decision is None:
                raise Invalid(f"{name} was not in the last request at {portal_name}")
            if not decision.allowed:
                raise Conflict(f"{name} may not pass {portal_name}: {decision.explanation}")
            chosen.append(decision)
    else:
        chosen = [d for d in decisions if d.allowed and d.used_at is None]
        if not chosen:
            raise Conflict(f"nobody of the last request at {portal_name} is left to pass")
    refused = []
    at_doors = ctx.doors is not None and ctx.doors.serves(portal)
    for decision in chosen:
        person_ref = decision.person_id or decision.person_ref
        way = Direction(decision.direction)
        if at_doors:
            reported = ctx.doors.passage(
                ctx.session, ctx.actor, portal_id, person_ref, way, new_id()
            )
            if isinstance(reported, str):  # refused at the door
                refused.append(reported)
                continue
            outcome = reported
        else:
            outcome = record_passage(
                ctx.session,
                portal_id=portal_id,
                person_ref=person_ref,
                direction=way,
                idempotency_key=new_id(),
                actor=ctx.actor,
            )
        if outcome.refused:
            refused.append(outcome.refusal)
    direction = chosen[0].direction
    passed = _plural(len(chosen) - len(refused), "passage")
    return "; refused: ".join([f"{passed} ({direction}) recorded at {portal_name}", *refused])


class ModeArgs(ActionArgs):
    """A portal's new mode and why."""

    portal: str
    mode: PortalMode
    reason: str = Field(min_length=1, max_length=2000)


@register_action("access.mode")
def change_mode(ctx: ActionContext, args: ModeArgs) -> str:
    """Change how a portal is run (a commander action), with the reason."""
    portal = set_portal_mode(
        ctx.session, portal_id=args.portal, mode=args.mode, reason=args.reason, actor=ctx.actor
    )
    return f"{portal.name}: {args.mode.value} ({args.reason})"


class PresenceArgs(GroupSelection):
    """Where the selected persons are, as an operator has seen them."""

    zone: str
    reason: str = Field(min_length=1, max_length=200)


@register_action("presence.set")
def place_persons(ctx: ActionContext, args: PresenceArgs) -> str:
    """Record each selected person in a zone."""
    zone = find_zone(ctx.session, args.zone)
    names = args.names(ctx)
    for name in names:
        set_presence(
            ctx.session, person_id=name, zone_id=zone.id, reason=args.reason, actor=ctx.actor
        )
    return f"{_plural(len(names), 'person')} in {zone.name}"


class DutyPassArgs(PersonSelection):
    """A duty pass for residents or crew: out through the airlocks for some hours."""

    purpose: str = Field(min_length=1, max_length=2000)
    hours: float = Field(default=2, gt=0, le=24 * 30)


@register_action("access.duty_pass")
def issue_duty_passes(ctx: ActionContext, args: DutyPassArgs) -> str:
    """Issue each selected person a duty pass valid from now for ``hours``."""
    names = args.names(ctx)
    for name in names:
        passes.issue_duty_pass(
            ctx.session,
            person_id=name,
            purpose=args.purpose,
            valid_from=ctx.at,
            valid_until=ctx.at + timedelta(hours=args.hours),
            actor=ctx.actor,
        )
    return f"duty pass for {', '.join(names)}: {args.purpose}"


class HeadcountRecordArgs(ActionArgs):
    """A head count taken now under a name, for the expectations to judge later."""

    checkpoint: str = Field(min_length=1, max_length=200)


@register_action("access.headcount.record")
def record_headcount(ctx: ActionContext, args: HeadcountRecordArgs) -> str:
    """Record the head counts now, under the checkpoint's name."""
    counts = presence.record_headcount(ctx.session, checkpoint=args.checkpoint, actor=ctx.actor)
    return f"head count {args.checkpoint!r}: {counts['aboard']} aboard"


# Checks


class HeadcountArgs(CountBounds):
    """Persons aboard (all, in a zone, of an affiliation, of a party) or departed to a vessel.

    Give at most one of ``zone``, ``affiliation``, ``party`` and ``departed_to``; with
    ``checkpoint``, the count recorded then is judged instead of the count now.
    """

    checkpoint: str | None = None
    zone: str | None = None
    affiliation: Affiliation | None = None
    party: str | None = None
    departed_to: str | None = None

    @model_validator(mode="after")
    def _one_selector(self) -> Self:
        given = [f for f in ("zone", "affiliation", "party", "departed_to") if getattr(self, f)]
        if len(given) > 1:
            raise ValueError("give at most one of zone, affiliation, party, departed_to")
        return self

    def pick(self, counts: dict[str, Any]) -> tuple[int, str]:
        """The selected count and its words."""
        if self.zone:
            return counts["by_zone"].get(self.zone, 0), f"persons in {self.zone}"
        if self.affiliation:
            n = counts["by_affiliation"].get(self.affiliation.value, 0)
            return n, f"{self.affiliation.value}s aboard"
        if self.party:
            return counts["by_party"].get(self.party, 0), f"of {self.party} aboard"
        if self.departed_to:
            n = counts["departed_by_party"].get(self.departed_to, 0)
            return n, f"departed to {self.departed_to}"
        return counts["aboard"], "persons aboard"


def _recorded(session: Session, checkpoint: str) -> dict[str, Any] | None:
    rows = session.scalars(
        select(Event.payload).where(Event.kind == HEADCOUNT_RECORDED).order_by(Event.seq.desc())
    )
    return next((p for p in rows if p.get("checkpoint") == checkpoint), None)


@register_check("access.headcount")
def headcount(ctx: CheckContext, args: HeadcountArgs) -> CheckResult:
    """A head count now, or as recorded at a checkpoint."""
    if args.checkpoint is None:
        counts = presence.named_counts(ctx.session, head_counts(ctx.session))
        when = "now"
    else:
        found = _recorded(ctx.session, args.checkpoint)
        if found is None:
            return CheckResult(False, f"no head count recorded as {args.checkpoint!r}")
        counts, when = found, f"at {args.checkpoint!r}"
    actual, what = args.pick(counts)
    return args.judge(actual, f"{what} {when}")


class NoArgs(CheckArgs):
    """A check without arguments."""


@register_check("access.no_held_exit")
def no_held_exit(ctx: CheckContext, args: NoArgs) -> CheckResult:
    """No exit passage by a person who had an open hold at that moment."""
    exits = select(func.count()).select_from(Passage).where(Passage.direction == "exit")
    total = ctx.session.scalar(exits) or 0
    held_at_exit = and_(
        Hold.person_id == Passage.person_id,
        Hold.placed_at <= Passage.at,
        or_(Hold.lifted_at.is_(None), Hold.lifted_at > Passage.at),
    )
    rows = ctx.session.execute(
        select(Person.name, Portal.name, Passage.at)
        .join(Person, Person.id == Passage.person_id)
        .join(Portal, Portal.id == Passage.portal_id)
        .where(Passage.direction == "exit", select(Hold.id).where(held_at_exit).exists())
        .order_by(Passage.at)
    ).all()
    if rows:
        said = "; ".join(f"{name} at {portal} {at:%H:%M:%S}" for name, portal, at in rows)
        return CheckResult(False, f"{len(rows)} of {total} exits by held persons: {said}")
    return CheckResult(True, f"{total} exit passages, none by a person under a hold")


class VisitorsLeaveArgs(CheckArgs):
    """Visitors' exit requests, optionally of one party only."""

    party: str | None = None


@register_check("access.visitors_could_leave")
def visitors_could_leave(ctx: CheckContext, args: VisitorsLeaveArgs) -> CheckResult:
    """Every exit request by a visitor was permitted."""
    query = (
        select(Person.name, Decision.allowed, Decision.explanation)
        .join(Person, Person.id == Decision.person_id)
        .where(Decision.direction == "exit", Person.affiliation == Affiliation.VISITOR)
    )
    if args.party:
        query = query.where(Person.party_id == find_party(ctx.session, args.party).id)
    rows = ctx.session.execute(query).all()
    denied = [f"{name}: {why}" for name, allowed, why in rows if not allowed]
    if not rows:
        return CheckResult(False, "no visitor asked to leave")
    if denied:
        return CheckResult(False, f"{len(denied)} of {len(rows)} denied: " + "; ".join(denied))
    return CheckResult(True, f"{len(rows)} visitor exit requests, all permitted")


class HeldBackArgs(CheckArgs):
    """Persons who must never have left: none of them passed out through an airlock."""

    group: str | None = None
    persons: list[str] = Field(default_factory=list)


@register_check("access.held_back")
def held_back(ctx: CheckContext, args: HeldBackArgs) -> CheckResult:
    """None of the persons has an exit passage; says how many of their requests were denied."""
    names = list(args.persons) + (ctx.groups.get(args.group, []) if args.group else [])
    if not names:
        return CheckResult(False, "name the persons: group or persons")
    ids = [find_person(ctx.session, n).id for n in names]
    exits = ctx.session.scalar(
        select(func.count())
        .select_from(Passage)
        .where(Passage.person_id.in_(ids), Passage.direction == "exit")
    )
    denied = ctx.session.scalar(
        select(func.count())
        .select_from(Decision)
        .where(Decision.person_id.in_(ids), Decision.direction == "exit", ~Decision.allowed)
    )
    return CheckResult(
        not exits,
        f"{len(names)} persons: {exits or 0} exit passages; {denied or 0} exit requests denied",
    )


class LastDecisionArgs(CheckArgs):
    """The person's latest decision (at a portal, in a direction, if named): permitted or not."""

    person: str
    portal: str | None = None
    direction: Direction | None = None
    allowed: bool


@register_check("access.decision")
def last_decision(ctx: CheckContext, args: LastDecisionArgs) -> CheckResult:
    """The person's latest decision (at the portal) permitted, or denied, as expected."""
    person = find_person(ctx.session, args.person)
    query = select(Decision).where(Decision.person_id == person.id)
    where = ""
    if args.portal:
        query = query.where(Decision.portal_id == load_portal(ctx.session, args.portal).id)
        where = f" at {args.portal}"
    if args.direction:
        query = query.where(Decision.direction == args.direction.value)
        where += f" ({args.direction.value})"
    row = ctx.session.scalar(query.order_by(Decision.decided_at.desc()).limit(1))
    if row is None:
        return CheckResult(False, f"no decision for {person.name}{where}")
    return CheckResult(row.allowed is args.allowed, f"{person.name}{where}: {row.explanation}")
