"""Exercise actions and checks for casualties, the hospital, screenings, holds and visits."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from sqlalchemy import func, select

from muster.access.holds import lift_hold, open_holds
from muster.access.models import Hold
from muster.incidents.models import Incident
from muster.medical import casualties, flows, hospital
from muster.medical.enums import BedState, Condition, ScreeningKind, ScreeningResult, Side, Triage
from muster.medical.models import Bed
from muster.medical.schemas import AdmissionCreate, CasualtyCreate, ScreeningCreate, TriageFindings
from muster.people.service import find_person
from muster.places.service import find_zone
from muster.scenario.actions import ActionArgs, ActionContext, register_action
from muster.scenario.builtins import PersonSelection
from muster.scenario.checks import CheckContext, CheckResult, CountBounds, register_check


def _incident_id(ctx: ActionContext, title: str | None) -> str | None:
    if title is None:
        return None
    found = ctx.session.scalar(
        select(Incident.id).where(Incident.title == title).order_by(Incident.number.desc())
    )
    return found


class CasualtyArgs(PersonSelection):
    """Named persons as casualties with the same triage findings (or a medic's category)."""

    findings: TriageFindings | None = None
    triage: Triage | None = None  # over the findings: a medic's, with the reason
    reason: str = ""
    found_at: str
    incident: str | None = None
    injuries: str = ""


@register_action("medical.casualty")
def record_casualties(ctx: ActionContext, args: CasualtyArgs) -> str:
    """Record each selected person as a casualty, triaged by START from the findings."""
    incident_id = _incident_id(ctx, args.incident)
    names = args.names(ctx)
    categories: list[Triage] = []
    for name in names:
        person = find_person(ctx.session, name)
        data = CasualtyCreate(
            person_id=person.id,
            findings=args.findings,
            triage=args.triage,
            reason=args.reason,
            found_at=args.found_at,
            injuries=args.injuries,
            incident_id=incident_id,
        )
        row = casualties.record_casualty(ctx.session, data=data, actor=ctx.actor)
        categories.append(row.triage)
    triaged = ", ".join(sorted({c.value for c in categories}))
    return f"{len(names)} casualty(ies) recorded at {args.found_at}: {triaged}"


class WardArgs(ActionArgs):
    """A ward and its beds."""

    name: str
    beds: list[str] = Field(min_length=1)


@register_action("medical.ward")
def open_ward(ctx: ActionContext, args: WardArgs) -> str:
    """Open a ward with beds."""
    ward = hospital.create_ward(ctx.session, name=args.name, actor=ctx.actor)
    hospital.add_beds(ctx.session, ward_id=ward.id, labels=args.beds, actor=ctx.actor)
    return f"ward {args.name} with {len(args.beds)} beds"


class AdmitArgs(PersonSelection):
    """Admit the selected persons to free beds of a ward."""

    ward: str
    condition: Condition = Condition.FAIR
    reason: str = ""


@register_action("medical.admit")
def admit_persons(ctx: ActionContext, args: AdmitArgs) -> str:
    """Admit each person to the next available bed of the ward."""
    ward = hospital.find_ward(ctx.session, args.ward)
    names = args.names(ctx)
    for name in names:
        person = find_person(ctx.session, name)
        bed = ctx.session.scalar(
            select(Bed)
            .where(Bed.ward_id == ward.id, Bed.state == BedState.AVAILABLE)
            .order_by(Bed.label)
        )
        data = AdmissionCreate(
            person_id=person.id,
            bed_id=bed.id if bed else None,
            condition=args.condition,
            reason=args.reason,
        )
        hospital.admit(ctx.session, data=data, actor=ctx.actor)
    return f"{len(names)} admitted to {ward.name}"


class ScreenArgs(PersonSelection):
    """Screen the selected persons with one result."""

    result: ScreeningResult
    kind: ScreeningKind = ScreeningKind.NANITE
    method: str = "blood panel"


@register_action("medical.screen")
def screen(ctx: ActionContext, args: ScreenArgs) -> str:
    """Record screenings; positive and inconclusive results are held medically at once."""
    placed = 0
    names = args.names(ctx)
    for name in names:
        person = find_person(ctx.session, name)
        data = ScreeningCreate(
            person_id=person.id, kind=args.kind, result=args.result, method=args.method
        )
        _row, holds = flows.screen_person(ctx.session, data=data, actor=ctx.actor)
        placed += len(holds)
    return f"{len(names)} screened {args.result.value}; {placed} medical hold(s) placed"


class LiftArgs(PersonSelection):
    """Lift the open holds of the selected persons (each needs a clear screening taken after it)."""

    reason: str = "screened clear"


@register_action("medical.hold.lift")
def lift_holds(ctx: ActionContext, args: LiftArgs) -> str:
    """A medic lifts the holds of persons screened clear."""
    lifted = 0
    for name in args.names(ctx):
        person = find_person(ctx.session, name)
        for hold in open_holds(ctx.session, person.id):
            lift_hold(ctx.session, hold_id=hold.id, reason=args.reason, actor=ctx.actor)
            lifted += 1
    return f"{lifted} hold(s) lifted"


class VisitArgs(PersonSelection):
    """A visiting surgeon's visit: host and zones by name, for some hours."""

    host: str
    zones: list[str] = Field(min_length=1)
    hours: float = Field(default=12, gt=0, le=24 * 30)


@register_action("medical.surgeon.visit")
def surgeon_visit(ctx: ActionContext, args: VisitArgs) -> str:
    """Authorize the surgeon's escorted visit to the named zones."""
    names = args.names(ctx)
    host = find_person(ctx.session, args.host)
    zone_ids = [find_zone(ctx.session, z).id for z in args.zones]
    for name in names:
        flows.authorize_surgeon_visit(
            ctx.session,
            surgeon_id=find_person(ctx.session, name).id,
            host_id=host.id,
            zone_ids=zone_ids,
            valid_from=ctx.at,
            valid_until=ctx.at + timedelta(hours=args.hours),
            actor=ctx.actor,
        )
    return f"visit authorized for {', '.join(names)}, host {host.name}"


class CasualtyCountArgs(CountBounds):
    """Casualties, optionally of one side and one current category."""

    side: Side | None = None
    triage: Triage | None = None


@register_check("medical.casualty.count")
def count_casualties(ctx: CheckContext, args: CasualtyCountArgs) -> CheckResult:
    """How many casualties match."""
    _rows, total = casualties.list_casualties(
        ctx.session, side=args.side, triage=args.triage, limit=1
    )
    what = " ".join(x.value for x in (args.side, args.triage) if x) or "all"
    return args.judge(total, f"casualties ({what})")


class HoldCountArgs(CountBounds):
    """Open holds, optionally of one kind."""

    kind: str | None = None


@register_check("medical.hold.count")
def count_holds(ctx: CheckContext, args: HoldCountArgs) -> CheckResult:
    """How many holds are open."""
    query = select(func.count()).select_from(Hold).where(Hold.lifted_at.is_(None))
    if args.kind:
        query = query.where(Hold.kind == args.kind)
    return args.judge(
        ctx.session.scalar(query) or 0, f"open {args.kind or ''} holds".replace("  ", " ")
    )
