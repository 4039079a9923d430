"""Post reports in the exercise runner: reports, force used, help, quiet posts, and checks.

Names stand for ids (posts, persons, scenario groups). The use cases authorize the
inject's actor, so a guard's inject reports only for her own post, as at the console.
"""

from __future__ import annotations

from pydantic import Field
from sqlalchemy import select

from muster import clock
from muster.incidents.models import Incident
from muster.incidents.schemas import TimelineItem
from muster.incidents.timeline import incident_timeline
from muster.places.service import find_post
from muster.posts.board import post_board
from muster.posts.enums import PostStatus
from muster.posts.help import request_help
from muster.posts.quiet import run_quiet_posts
from muster.posts.schemas import ForceCreate, ReportCreate
from muster.posts.service import file_report
from muster.scenario.actions import ActionArgs, ActionContext, register_action
from muster.scenario.checks import CheckArgs, CheckContext, CheckResult, CountBounds, register_check

TIMELINE_LIMIT = 100_000


class ForceArgs(ActionArgs):
    """Force used, by names: who, against whom (persons, a group, a count), with what."""

    used_by: str
    against: list[str] = Field(default_factory=list)
    against_group: str | None = None
    against_count: int = Field(0, ge=0)
    weapon: str | None = None
    means: str = ""
    outcome: str = Field(min_length=1)


class ReportArgs(ActionArgs):
    """A post's situation, as its guard reports it."""

    post: str
    status: PostStatus
    visitors: int = Field(0, ge=0)
    residents: int = Field(0, ge=0)
    armed: int = Field(0, ge=0)
    station_dead: int = Field(0, ge=0)
    station_wounded: int = Field(0, ge=0)
    visitors_dead: int = Field(0, ge=0)
    visitors_wounded: int = Field(0, ge=0)
    text: str = ""
    force: list[ForceArgs] = Field(default_factory=list)


@register_action("post.report")
def report_post(ctx: ActionContext, args: ReportArgs) -> str:
    """File a post report (the use case authorizes: a guard for her own post only)."""
    force = [
        ForceCreate(
            used_by=f.used_by,
            against=[*f.against, *(ctx.group(f.against_group) if f.against_group else [])],
            against_count=f.against_count,
            weapon=f.weapon,
            means=f.means,
            outcome=f.outcome,
        )
        for f in args.force
    ]
    data = ReportCreate(
        status=args.status,
        visitors=args.visitors,
        residents=args.residents,
        armed=args.armed,
        station_dead=args.station_dead,
        station_wounded=args.station_wounded,
        visitors_dead=args.visitors_dead,
        visitors_wounded=args.visitors_wounded,
        text=args.text,
        force=force,
    )
    report, used = file_report(ctx.session, post_ref=args.post, data=data, actor=ctx.actor)
    return f"{args.post}: {PostStatus(report.status).words}" + (
        f", {len(used)} uses of force" if used else ""
    )


class HelpArgs(ActionArgs):
    """A call for help from a post."""

    post: str
    text: str = ""


@register_action("post.help")
def call_help(ctx: ActionContext, args: HelpArgs) -> str:
    """Page the commander and the post's officers at flash."""
    row = request_help(ctx.session, post_ref=args.post, actor=ctx.actor, text=args.text)
    return f"help called from {args.post} (message {row.message_id})"


class NoArgs(ActionArgs):
    """An action without arguments."""


@register_action("post.quiet")
def ask_quiet_posts(ctx: ActionContext, args: NoArgs) -> str:
    """Run the quiet-posts job at the inject's time (the server runs it by itself)."""
    return f"{run_quiet_posts(ctx.session, now=ctx.at)} quiet posts asked for a status check"


class BoardArgs(CheckArgs):
    """A post's last reported status on the board."""

    post: str
    status: PostStatus


@register_check("post.board")
def board_status(ctx: CheckContext, args: BoardArgs) -> CheckResult:
    """The post's status on the commander's board (its latest report)."""
    post = find_post(ctx.session, args.post)
    row = next(r for r in post_board(ctx.session, now=clock.now()) if r.post_id == post.id)
    found = row.status.value if row.status else "no report"
    return CheckResult(row.status is args.status, f"{args.post} on the board: {found}")


class TimelineArgs(CountBounds):
    """Post entries on an incident's timeline: of a kind, with words in their text."""

    incident: str
    kind: str = Field("posts.", min_length=1, description="An event kind, or a prefix")
    text: str = ""
    before_kind: str = Field(
        "", description="Count only entries before the first entry of this kind (or prefix)"
    )
    before_text: str = Field("", description="... whose text contains this")


def _matches(kind: str, text: str, item: TimelineItem) -> bool:
    of_kind = item.kind == kind or (kind.endswith(".") and item.kind.startswith(kind))
    return of_kind and text in item.text


@register_check("post.timeline")
def timeline_entries(ctx: CheckContext, args: TimelineArgs) -> CheckResult:
    """Count the incident timeline's entries of a kind whose text contains ``text``; with
    ``before_kind``, only those recorded before the first entry of that kind and text (the
    check fails when there is no such entry)."""
    incident_id = ctx.session.scalar(
        select(Incident.id).where(Incident.title == args.incident).order_by(Incident.number.desc())
    )
    if incident_id is None:
        return CheckResult(False, f"no incident titled {args.incident!r}")
    items = incident_timeline(ctx.session, incident_id=incident_id, limit=TIMELINE_LIMIT)
    until = None
    if args.before_kind:
        marks = [i.seq for i in items if _matches(args.before_kind, args.before_text, i)]
        if not marks:
            return CheckResult(
                False, f"no {args.before_kind} entry with {args.before_text!r} on the timeline"
            )
        until = min(marks)
    count = sum(
        1
        for item in items
        if _matches(args.kind, args.text, item) and (until is None or item.seq < until)
    )
    where = f" before the first {args.before_kind} with {args.before_text!r}" if until else ""
    return args.judge(count, f"{args.kind} entries on the timeline with {args.text!r}{where}")
