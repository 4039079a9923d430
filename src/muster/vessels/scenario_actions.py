"""Exercise actions and checks: the vessel watch, the asset board and the station map.

The vessel is observed by a simulated sensor (``muster.vessels.sensor``): its parking orbit
for a while, then, in a later inject, a small burn. The watch must catch the burn within a
set number of observations, and raise no alarm before it.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

import numpy as np
from pydantic import Field
from sqlalchemy import select

from muster.agreements.service import find_term
from muster.events.models import Event, EventSubject
from muster.events.service import append_event
from muster.people.service import find_party
from muster.scenario.actions import ActionArgs, ActionContext, register_action
from muster.scenario.checks import CheckArgs, CheckContext, CheckResult, register_check
from muster.vessels import assets, service
from muster.vessels.detection import Accuracy
from muster.vessels.enums import ObservationKind, Readiness, VesselStatus
from muster.vessels.mapsvg import render_map_svg
from muster.vessels.models import Asset, Observation, Vessel
from muster.vessels.schemas import AssetCreate, AssetUpdate, ObservationCreate, VesselCreate
from muster.vessels.sensor import Burn, TrueOrbit, observe, schedule
from muster.vessels.stationmap import route_between

BURN_SIMULATED = "vessels.exercise.burn_simulated"


class WatchArgs(ActionArgs):
    """A vessel to watch, its party, and the agreement term it must keep."""

    vessel: str
    body: str = "earth"
    party: str | None = None
    agreement: str | None = None  # A-number or id of the agreement
    term: int | None = None


@register_action("vessel.watch")
def watch_vessel(ctx: ActionContext, args: WatchArgs) -> str:
    """Put a vessel under watch, bound to the agreement term it must keep."""
    party_id = find_party(ctx.session, args.party).id if args.party else None
    term_id = None
    if args.agreement is not None and args.term is not None:
        term_id = find_term(ctx.session, args.agreement, args.term).id
    data = VesselCreate(
        name=args.vessel, body=args.body, party_id=party_id, agreement_term_id=term_id
    )
    vessel = service.register_vessel(ctx.session, data=data, actor=ctx.actor)
    return f"{vessel.name} under watch around {vessel.body}"


class SensorPassArgs(ActionArgs):
    """Simulated observations of a parking orbit, the last at the inject's time."""

    vessel: str
    altitude_km: float = Field(gt=0)
    inclination_deg: float = 0.0
    count: int = Field(ge=1, le=200)
    interval_seconds: float = Field(gt=0)
    burn_m_s: float = 0.0  # prograde; a burn happens just before the first observation
    seed: int = 1


def _true_orbit(
    ctx: ActionContext, vessel: Vessel, args: SensorPassArgs, first: datetime
) -> TrueOrbit:
    start = ctx.session.scalar(
        select(Observation.observed_at).where(
            Observation.vessel_id == vessel.id, Observation.number == 1
        )
    )
    return TrueOrbit(vessel.body, args.altitude_km, args.inclination_deg, start or first)


@register_action("vessel.sensor.pass")
def sensor_pass(ctx: ActionContext, args: SensorPassArgs) -> str:
    """Feed the watch a pass of simulated observations, with an optional burn before it."""
    vessel = service.find_vessel(ctx.session, args.vessel)
    times = schedule(ctx.at, args.count, args.interval_seconds)
    truth = _true_orbit(ctx, vessel, args, times[0])
    if args.burn_m_s:
        burn_at = times[0] - (times[1] - times[0]) / 2 if len(times) > 1 else times[0]
        truth = TrueOrbit(
            truth.body,
            truth.altitude_km,
            truth.inclination_deg,
            truth.epoch,
            Burn(at=burn_at, prograde=args.burn_m_s / 1000.0),
        )
        append_event(
            ctx.session,
            kind=BURN_SIMULATED,
            actor=ctx.actor,
            subjects=[vessel.id],
            payload={"vessel": vessel.name, "burn_m_s": args.burn_m_s, "at": burn_at},
        )
    accuracy = Accuracy(vessel.position_accuracy_km, vessel.velocity_accuracy_km_s)
    rng = np.random.default_rng(args.seed)
    caught = 0
    for moment in times:
        r, v = observe(truth, moment, accuracy, rng)
        data = ObservationCreate(
            kind=ObservationKind.STATE,
            observed_at=moment,
            position_km=(float(r[0]), float(r[1]), float(r[2])),
            velocity_km_s=(float(v[0]), float(v[1]), float(v[2])),
            source="exercise sensor",
        )
        row = service.record_observation(
            ctx.session, vessel_id=vessel.id, data=data, actor=ctx.actor
        )
        caught += int(row.manoeuvre)
    return f"{args.count} observations of {vessel.name}; {caught} flagged as a manoeuvre"


class AssetArgs(ActionArgs):
    """An asset's status on the board: added if new, changed otherwise."""

    name: str
    kind: str = "defence"
    operational: bool
    readiness: Readiness
    owner: str = ""
    reason: str = ""


@register_action("asset.status")
def asset_status(ctx: ActionContext, args: AssetArgs) -> str:
    """Put an asset on the board, or change its status."""
    asset = ctx.session.scalar(select(Asset).where(Asset.name == args.name))
    if asset is None:
        data = AssetCreate(
            name=args.name,
            kind=args.kind,
            operational=args.operational,
            readiness=args.readiness,
            owner=args.owner,
        )
        asset = assets.create_asset(ctx.session, data=data, actor=ctx.actor)
    else:
        change = AssetUpdate(
            operational=args.operational,
            readiness=args.readiness,
            owner=args.owner or None,
            reason=args.reason,
        )
        assets.update_asset(ctx.session, asset_id=asset.id, data=change, actor=ctx.actor)
    state = "operational" if asset.operational else "not operational"
    return f"{asset.name}: {state}, {asset.readiness}"


class CaughtArgs(CheckArgs):
    """The simulated burn was caught within ``within`` observations, with no false alarm."""

    vessel: str
    within: int = Field(default=2, ge=1)


@register_check("vessel.manoeuvre.caught")
def manoeuvre_caught(ctx: CheckContext, args: CaughtArgs) -> CheckResult:
    """The first flagged observation is among the first ``within`` after the burn."""
    vessel = service.find_vessel(ctx.session, args.vessel)
    burn = ctx.session.scalar(
        select(Event)
        .join(EventSubject, EventSubject.seq == Event.seq)
        .where(Event.kind == BURN_SIMULATED, EventSubject.subject == vessel.id)
        .order_by(Event.seq.desc())
        .limit(1)
    )
    if burn is None:
        return CheckResult(False, f"no simulated burn of {vessel.name} in the record")
    burn_at = datetime.fromisoformat(str(burn.payload["at"]))
    rows, _total = service.list_observations(ctx.session, vessel_id=vessel.id, limit=10_000)
    before = [r for r in rows if r.observed_at < burn_at]
    after = sorted((r for r in rows if r.observed_at >= burn_at), key=lambda r: r.observed_at)
    false_alarms = sum(1 for r in before if r.manoeuvre)
    first = next((n for n, r in enumerate(after, start=1) if r.manoeuvre), None)
    held = false_alarms == 0 and first is not None and first <= args.within
    found = "not caught" if first is None else f"caught at observation {first} after the burn"
    return CheckResult(
        held, f"{found}; {false_alarms} false alarm(s) before it; expected within {args.within}"
    )


class VesselStatusArgs(CheckArgs):
    """The watch's status of a vessel."""

    vessel: str
    status: VesselStatus


@register_check("vessel.status")
def vessel_status(ctx: CheckContext, args: VesselStatusArgs) -> CheckResult:
    """The vessel's watch status is as expected."""
    vessel = service.find_vessel(ctx.session, args.vessel)
    return CheckResult(vessel.status == args.status.value, f"{vessel.name} is {vessel.status}")


class RouteArgs(CheckArgs):
    """A route between two zones: found or not, quick enough, avoiding named portals."""

    from_zone: str
    to_zone: str
    found: bool = True
    at_most_seconds: float | None = Field(default=None, gt=0)
    avoids: list[str] = Field(default_factory=list)


@register_check("map.route")
def route_check(ctx: CheckContext, args: RouteArgs) -> CheckResult:
    """The quickest open route is as expected."""
    route = route_between(ctx.session, from_zone=args.from_zone, to_zone=args.to_zone)
    held = route.found == args.found
    if route.found and args.at_most_seconds is not None:
        held = held and (route.seconds or 0.0) <= args.at_most_seconds
    used = sorted(set(args.avoids) & set(route.portals))
    held = held and not used
    detail = (
        f"{route.seconds:g} s via {', '.join(route.portals) or 'no portal'}"
        if route.found
        else f"no open route (avoided: {', '.join(route.avoided) or 'none'})"
    )
    if used:
        detail += f"; passes {', '.join(used)}"
    return CheckResult(held, detail)


class MapShowsArgs(CheckArgs):
    """Names the station map must show."""

    names: list[str] = Field(min_length=1)


@register_check("map.shows")
def map_shows(ctx: CheckContext, args: MapShowsArgs) -> CheckResult:
    """The rendered map names every one of ``names``."""
    svg = render_map_svg(ctx.session)
    missing = [n for n in args.names if escape(n) not in svg]
    return CheckResult(not missing, "all shown" if not missing else f"missing: {missing}")
