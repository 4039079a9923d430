"""Exercise actions and checks for consent cases, revocation, check-ups and the airlock."""

from __future__ import annotations

from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster.access.decisions import decide_request
from muster.access.enums import Direction
from muster.access.facts import load_portal
from muster.access.models import Decision
from muster.access.passages import record_passage
from muster.db import new_id
from muster.errors import NotFound
from muster.events.models import Event
from muster.people.service import find_party, find_person
from muster.scenario.actions import ActionArgs, ActionContext, register_action
from muster.scenario.checks import CheckArgs, CheckContext, CheckResult, CountBounds, register_check
from muster.welfare import cases, checkups, texts, transfer
from muster.welfare.enums import Assessment, Capacity, CaseStatus
from muster.welfare.models import ConsentCase


def _latest_case(session: Session, person: str) -> ConsentCase:
    person_id = find_person(session, person).id
    rows, _total = cases.list_cases(session, person_id=person_id, limit=1)
    if not rows:
        raise NotFound(f"{person} has no consent case")
    return rows[0]


class TextArgs(ActionArgs):
    """A version of the consent text."""

    title: str
    body: str


@register_action("welfare.consent_text")
def publish_text(ctx: ActionContext, args: TextArgs) -> str:
    """Publish the next version of the consent text."""
    row = texts.publish_consent_text(ctx.session, title=args.title, body=args.body, actor=ctx.actor)
    return f"consent text version {row.version} published"


class OpenArgs(ActionArgs):
    """A person asks to go to a vessel."""

    person: str
    vessel: str
    statement: str = ""


@register_action("welfare.case.open")
def open_case(ctx: ActionContext, args: OpenArgs) -> str:
    """Open a consent case."""
    row = cases.open_case(
        ctx.session,
        person_id=find_person(ctx.session, args.person).id,
        vessel_party_id=find_party(ctx.session, args.vessel).id,
        statement=args.statement,
        actor=ctx.actor,
    )
    return f"case W-{row.number} opened for {args.person}"


class InterviewArgs(ActionArgs):
    """An interview by the inject's actor, of the person's latest case."""

    person: str
    assessment: Assessment
    wish: str = Field(min_length=1)
    present: list[str] = Field(default_factory=list)


@register_action("welfare.interview")
def interview(ctx: ActionContext, args: InterviewArgs) -> str:
    """Record an interview held in person by the inject's actor."""
    case = _latest_case(ctx.session, args.person)
    cases.record_interview(
        ctx.session,
        case_id=case.id,
        stated_wish=args.wish,
        assessment=args.assessment,
        present_ids=[find_person(ctx.session, p).id for p in args.present],
        actor=ctx.actor,
    )
    return f"W-{case.number}: interview {args.assessment.value}; case {case.status.value}"


class ApproveArgs(ActionArgs):
    """An approval by the inject's actor."""

    person: str
    capacity: Capacity


@register_action("welfare.approve")
def approve(ctx: ActionContext, args: ApproveArgs) -> str:
    """Approve the person's latest case."""
    case = _latest_case(ctx.session, args.person)
    cases.approve_case(ctx.session, case_id=case.id, capacity=args.capacity, actor=ctx.actor)
    return f"W-{case.number}: {args.capacity.value} approval; case {case.status.value}"


class RevokeArgs(ActionArgs):
    """The person withdraws consent, in their words."""

    person: str
    statement: str = Field(min_length=1)


@register_action("welfare.revoke")
def revoke(ctx: ActionContext, args: RevokeArgs) -> str:
    """Revoke every active case of the person."""
    rows = transfer.revoke_consent(
        ctx.session,
        person_id=find_person(ctx.session, args.person).id,
        statement=args.statement,
        actor=ctx.actor,
    )
    return f"consent revoked: {', '.join(f'W-{r.number}' for r in rows)}"


class CheckupArgs(ActionArgs):
    """A check-up held in person by the inject's actor."""

    person: str
    stays: bool = True
    statement: str = ""


@register_action("welfare.checkup")
def checkup(ctx: ActionContext, args: CheckupArgs) -> str:
    """Record a check-up of the person's latest case."""
    case = _latest_case(ctx.session, args.person)
    checkups.record_checkup(
        ctx.session,
        case_id=case.id,
        still_wishes_to_stay=args.stays,
        statement=args.statement,
        actor=ctx.actor,
    )
    return f"W-{case.number}: check-up recorded; case {case.status.value}"


class RunArgs(ActionArgs):
    """No arguments: run the check-up job at the inject's time."""


@register_action("welfare.checkups.run")
def run_checkups(ctx: ActionContext, args: RunArgs) -> str:
    """Mark check-ups overdue or missed as of now."""
    return f"{checkups.run_due_checkups(ctx.session, now=ctx.at)} check-up(s) changed"


class AirlockArgs(ActionArgs):
    """A person asks to pass an airlock; passes if permitted."""

    person: str
    portal: str
    direction: Direction


@register_action("welfare.airlock")
def through_airlock(ctx: ActionContext, args: AirlockArgs) -> str:
    """Ask the airlock (the access decision service); record the passage if permitted."""
    portal = load_portal(ctx.session, args.portal)
    group = decide_request(
        ctx.session,
        portal_id=portal.id,
        person_refs=[args.person],
        direction=args.direction,
        actor=ctx.actor,
    )
    decision = group.decisions[0]
    if decision.allowed:
        record_passage(
            ctx.session,
            portal_id=portal.id,
            person_ref=args.person,
            direction=args.direction,
            idempotency_key=new_id(),
            actor=ctx.actor,
        )
    return f"{args.person} at {portal.name}: {decision.explanation}"


class CaseStatusArgs(CheckArgs):
    """The status of the person's latest case."""

    person: str
    status: CaseStatus


@register_check("welfare.case.status")
def case_status(ctx: CheckContext, args: CaseStatusArgs) -> CheckResult:
    """The person's latest case is in the expected status."""
    case = _latest_case(ctx.session, args.person)
    return CheckResult(
        case.status is args.status, f"W-{case.number} is {case.status.value} {case.status_reason}"
    )


class LastDecisionArgs(CheckArgs):
    """The person's latest airlock decision: allowed or denied."""

    person: str
    allowed: bool


@register_check("welfare.airlock.last")
def last_decision(ctx: CheckContext, args: LastDecisionArgs) -> CheckResult:
    """The latest access decision for the person allowed (or denied) them."""
    person_id = find_person(ctx.session, args.person).id
    row = ctx.session.scalar(
        select(Decision)
        .where(Decision.person_id == person_id)
        .order_by(Decision.decided_at.desc())
        .limit(1)
    )
    if row is None:
        return CheckResult(False, f"no airlock decision for {args.person}")
    return CheckResult(row.allowed is args.allowed, row.explanation)


class AlertArgs(CountBounds):
    """Welfare alerts to the commander."""


@register_check("welfare.alert.count")
def alert_count(ctx: CheckContext, args: AlertArgs) -> CheckResult:
    """How many welfare alerts were raised."""
    count = ctx.session.scalar(
        select(func.count()).select_from(Event).where(Event.kind == transfer.ALERT)
    )
    return args.judge(count or 0, "welfare alerts")
