"""Exercise actions and checks for incidents and situation reports."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from muster.incidents import service, sitrep
from muster.incidents.enums import CommandRole, Severity
from muster.incidents.models import Incident
from muster.incidents.schemas import IncidentCreate, SitrepEdit
from muster.people.service import find_person
from muster.scenario.actions import ActionArgs, ActionContext, register_action
from muster.scenario.checks import CheckContext, CheckResult, CountBounds, register_check


class DeclareArgs(ActionArgs):
    """An incident to declare."""

    title: str
    commander: str
    location: str
    kind: str = "security"
    severity: Severity = Severity.MAJOR


@register_action("incident.declare")
def declare(ctx: ActionContext, args: DeclareArgs) -> str:
    """Declare an incident."""
    data = IncidentCreate(
        title=args.title,
        kind=args.kind,
        severity=args.severity,
        location=args.location,
        commander_id=find_person(ctx.session, args.commander).id,
    )
    incident = service.declare_incident(ctx.session, data=data, actor=ctx.actor)
    return f"incident {incident.number} declared: {args.title}"


class RoleArgs(ActionArgs):
    """A command role for a person."""

    incident: str
    role: CommandRole
    person: str
    site: str = ""


@register_action("incident.role")
def assign(ctx: ActionContext, args: RoleArgs) -> str:
    """Give a command role; the previous holder hands over."""
    incident = service.find_incident(ctx.session, args.incident)
    person = find_person(ctx.session, args.person)
    service.assign_role(
        ctx.session,
        incident_id=incident.id,
        role=args.role,
        person_id=person.id,
        site=args.site,
        actor=ctx.actor,
    )
    return f"{person.name}: {args.role.value}"


class PublishArgs(ActionArgs):
    """Publish the incident's situation report, with the scribe's narrative."""

    incident: str
    situation: str = ""
    actions: str = ""
    plans: str = ""


@register_action("incident.sitrep.publish")
def publish(ctx: ActionContext, args: PublishArgs) -> str:
    """Write the narrative into the draft and publish it; the figures come from the record."""
    incident = service.find_incident(ctx.session, args.incident)
    edit = SitrepEdit(situation=args.situation, actions=args.actions, plans=args.plans)
    sitrep.edit_draft(ctx.session, incident_id=incident.id, data=edit, actor=ctx.actor)
    version = sitrep.publish_sitrep(ctx.session, incident_id=incident.id, actor=ctx.actor)
    return f"situation report {version.number} published"


class FigureArgs(CountBounds):
    """A figure of a published report by dotted path: ``casualties.by_side.station.deceased``."""

    incident: str
    figure: str
    number: int | None = None  # the latest published version when not given


@register_check("incident.sitrep.figure")
def figure(ctx: CheckContext, args: FigureArgs) -> CheckResult:
    """A figure of a published situation report."""
    incident_id = ctx.session.scalar(
        select(Incident.id).where(Incident.title == args.incident).order_by(Incident.number.desc())
    )
    if incident_id is None:
        return CheckResult(False, f"no incident titled {args.incident!r}")
    versions = sitrep.list_versions(ctx.session, incident_id=incident_id)
    chosen = [v for v in versions if args.number in (None, v.number)]
    if not chosen:
        return CheckResult(False, "no published situation report")
    value: Any = chosen[-1].figures
    for part in args.figure.split("."):
        if not isinstance(value, dict) or part not in value:
            return CheckResult(False, f"the report has no figure {args.figure!r}")
        value = value[part]
    if isinstance(value, dict):
        value = sum(v for v in value.values() if isinstance(v, int))
    return args.judge(int(value), f"{args.figure} in report {chosen[-1].number}")
