"""``muster vessel|asset|map ...``: the vessel watch, the asset board and the station map."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from muster.cli.common import cli_actor, cli_session, console, fail
from muster.vessels import assets, service
from muster.vessels.enums import ObservationKind, Readiness
from muster.vessels.mapsvg import render_map_svg
from muster.vessels.plot import render_tracks_svg
from muster.vessels.schemas import AssetCreate, AssetUpdate, ObservationCreate, VesselCreate
from muster.vessels.stationmap import nearest_people, route_between, set_walk, station_graph

vessel_app = typer.Typer(
    help="Visiting vessels' orbits and departure alarms.", no_args_is_help=True
)
asset_app = typer.Typer(help="Defence and station assets (command roles).", no_args_is_help=True)
map_app = typer.Typer(help="The station map: routes, walking times, who is nearest.")


def _triple(text: str, what: str) -> tuple[float, float, float]:
    try:
        values = [float(x) for x in text.replace(" ", "").split(",")]
    except ValueError:
        values = []
    if len(values) != 3:
        fail(f"{what} needs three numbers separated by commas, e.g. 6452.1,0,0")
    return values[0], values[1], values[2]


def _when(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        fail(f"{text!r} is not a time with a zone; write e.g. 2031-05-14T06:00:00+00:00")
    assert moment is not None
    return moment


@vessel_app.command("add")
def vessel_add(
    name: str,
    body: Annotated[str, typer.Option(help="Central body: earth, venus, mars, moon")] = "earth",
    party: Annotated[str | None, typer.Option(help="The party the vessel carries")] = None,
    term: Annotated[str | None, typer.Option(help="Agreement term id: stays in orbit")] = None,
    position_accuracy: Annotated[
        float, typer.Option(help="Sensor accuracy of a position, km (1 sigma per axis)")
    ] = 0.05,
    velocity_accuracy: Annotated[
        float, typer.Option(help="Sensor accuracy of a velocity, km/s (1 sigma per axis)")
    ] = 0.0002,
    false_alarm: Annotated[
        float, typer.Option(help="Chance that noise alone raises the alarm at one observation")
    ] = 1e-6,
    window: Annotated[int, typer.Option(help="Observations the chi-square test sums")] = 3,
) -> None:
    """Put a vessel under watch.

    Example: muster vessel add "Visiting vessel" --body venus --party "the visiting vessel"
    """
    with cli_session() as session:
        data = VesselCreate(
            name=name,
            body=body,
            party_id=party,
            agreement_term_id=term,
            position_accuracy_km=position_accuracy,
            velocity_accuracy_km_s=velocity_accuracy,
            false_alarm_probability=false_alarm,
            test_window=window,
        )
        vessel = service.register_vessel(session, data=data, actor=cli_actor(session))
        console.print(f"Vessel [bold]{vessel.name}[/] under watch ({vessel.body}), id {vessel.id}.")


@vessel_app.command("list")
def vessel_list() -> None:
    """Vessels under watch and their status."""
    with cli_session(write=False) as session:
        rows, _total = service.list_vessels(session, limit=500)
        table = Table("Name", "Body", "Status", "Accuracy (km, km/s)", "Test")
        for v in rows:
            accuracy = f"{v.position_accuracy_km:g}, {v.velocity_accuracy_km_s:g}"
            test = f"chi-square over {v.test_window}, false alarm {v.false_alarm_probability:g}"
            table.add_row(v.name, v.body, v.status, accuracy, test)
        console.print(table)


@vessel_app.command("observe")
def vessel_observe(
    name: str,
    at: Annotated[str | None, typer.Option(help="Time of a state vector, ISO 8601")] = None,
    r: Annotated[str | None, typer.Option(help="Position x,y,z in km")] = None,
    v: Annotated[str | None, typer.Option(help="Velocity x,y,z in km/s")] = None,
    tle1: Annotated[str | None, typer.Option(help="Element set, line 1")] = None,
    tle2: Annotated[str | None, typer.Option(help="Element set, line 2")] = None,
    source: Annotated[str, typer.Option(help="Who or what observed it")] = "typed in",
) -> None:
    """Record an observation: a state vector (--at --r --v) or an element set (--tle1 --tle2).

    Example: muster vessel observe "Visiting vessel" --at 2031-05-14T06:00:00+00:00
             --r 6451.8,0,0 --v 0,7.096,0
    """
    if tle1 or tle2:
        data = ObservationCreate(
            kind=ObservationKind.TLE, tle_line1=tle1, tle_line2=tle2, source=source
        )
    else:
        if at is None or r is None or v is None:
            fail("give --at, --r and --v for a state vector, or --tle1 and --tle2")
            return
        data = ObservationCreate(
            kind=ObservationKind.STATE,
            observed_at=_when(at),
            position_km=_triple(r, "--r"),
            velocity_km_s=_triple(v, "--v"),
            source=source,
        )
    with cli_session() as session:
        row = service.record_observation(
            session, vessel_id=name, data=data, actor=cli_actor(session)
        )
        vessel = service.get_vessel(session, row.vessel_id)
        if row.position_error_km is None:
            console.print(f"Observation {row.number} recorded: the baseline of {vessel.name}.")
        elif row.manoeuvre:
            console.print(
                f"[bold red]MANOEUVRE[/] observation {row.number}: " + "; ".join(row.reasons)
            )
        else:
            console.print(
                f"Observation {row.number} matches: {row.position_error_km:.3f} km and "
                f"{(row.velocity_error_km_s or 0.0) * 1000:.2f} m/s from the prediction; "
                f"chi-square {row.test_statistic or 0.0:.1f} under {row.test_threshold or 0.0:.1f}."
            )


@vessel_app.command("observations")
def vessel_observations(name: str) -> None:
    """A vessel's observations and how each compared."""
    with cli_session(write=False) as session:
        vessel = service.find_vessel(session, name)
        rows, _total = service.list_observations(session, vessel_id=vessel.id, limit=500)
        table = Table(
            "#", "Observed at", "Kind", "Pos. error km", "Vel. error m/s", "Test", "Manoeuvre"
        )
        for o in rows:
            table.add_row(
                str(o.number),
                o.observed_at.isoformat(timespec="seconds"),
                o.kind,
                "" if o.position_error_km is None else f"{o.position_error_km:.3f}",
                "" if o.velocity_error_km_s is None else f"{o.velocity_error_km_s * 1000:.2f}",
                ""
                if o.test_statistic is None
                else f"{o.test_statistic:.1f} / {o.test_threshold:.1f}",
                "yes" if o.manoeuvre else "",
            )
        console.print(table)


@vessel_app.command("baseline")
def vessel_baseline(
    name: str, reason: Annotated[str, typer.Option(help="Why, for the record")]
) -> None:
    """Take the latest observation as the orbit to hold, after a departure was reviewed."""
    with cli_session() as session:
        vessel = service.set_baseline(
            session,
            vessel_id=name,
            observation_id=None,
            reason=reason,
            actor=cli_actor(session),
        )
        console.print(f"Baseline of {vessel.name} set; the watch goes on from there.")


@vessel_app.command("tracks")
def vessel_tracks(name: str, out: Annotated[Path, typer.Option(help="SVG file to write")]) -> None:
    """Write the predicted and observed tracks as SVG."""
    with cli_session(write=False) as session:
        vessel = service.find_vessel(session, name)
        out.write_text(render_tracks_svg(session, vessel_id=vessel.id))
    console.print(f"Tracks written to {out}.")


@asset_app.command("add")
def asset_add(
    name: str,
    kind: Annotated[str, typer.Option(help="e.g. laser, shield, sensor")],
    owner: Annotated[str, typer.Option(help="Who answers for it")] = "",
    operational: Annotated[bool, typer.Option(help="Works now")] = False,
    readiness: Annotated[Readiness, typer.Option(help="How soon usable")] = Readiness.UNAVAILABLE,
) -> None:
    """Put an asset on the board. Example: muster asset add "Long-range laser" --kind laser"""
    with cli_session() as session:
        data = AssetCreate(
            name=name, kind=kind, owner=owner, operational=operational, readiness=readiness
        )
        asset = assets.create_asset(session, data=data, actor=cli_actor(session))
        console.print(f"Asset [bold]{asset.name}[/] on the board, id {asset.id}.")


@asset_app.command("set")
def asset_set(
    name: str,
    reason: Annotated[str, typer.Option(help="Why, for the record")],
    operational: Annotated[bool | None, typer.Option(help="Works now")] = None,
    readiness: Annotated[Readiness | None, typer.Option(help="How soon usable")] = None,
    owner: Annotated[str | None, typer.Option(help="Who answers for it")] = None,
) -> None:
    """Change an asset's status; the change and reason are logged."""
    with cli_session() as session:
        values: dict[str, object] = {"reason": reason}
        for key, value in (
            ("operational", operational),
            ("readiness", readiness),
            ("owner", owner),
        ):
            if value is not None:
                values[key] = value
        asset = assets.update_asset(
            session,
            asset_id=name,
            data=AssetUpdate.model_validate(values),
            actor=cli_actor(session),
        )
        console.print(f"{asset.name}: operational {asset.operational}, {asset.readiness}.")


@asset_app.command("list")
def asset_list() -> None:
    """The asset board."""
    with cli_session(write=False) as session:
        rows, _total = assets.list_assets(session, limit=500)
        table = Table("Name", "Kind", "Operational", "Readiness", "Owner")
        for a in rows:
            table.add_row(a.name, a.kind, "yes" if a.operational else "no", a.readiness, a.owner)
        console.print(table)


@map_app.command("show")
def map_show() -> None:
    """Portals with their mode and walking time."""
    with cli_session(write=False) as session:
        station = station_graph(session)
        table = Table("Portal", "Between", "Mode", "Seconds", "Passable")
        for k in station.links:
            between = (
                f"{station.zones[k.inside_zone_id].name} - {station.zones[k.outside_zone_id].name}"
            )
            mode = "closed" if k.closed else k.mode
            table.add_row(k.name, between, mode, f"{k.seconds:g}", "yes" if k.passable else "no")
        console.print(table)


@map_app.command("svg")
def map_svg(out: Annotated[Path, typer.Option(help="SVG file to write")]) -> None:
    """Write the station map as SVG."""
    with cli_session(write=False) as session:
        out.write_text(render_map_svg(session))
    console.print(f"Map written to {out}.")


@map_app.command("route")
def map_route(from_zone: str, to_zone: str) -> None:
    """The quickest walk between two zones.

    Example: muster map route "Command deck" "West corridor"
    """
    with cli_session(write=False) as session:
        route = route_between(session, from_zone=from_zone, to_zone=to_zone)
    if not route.found:
        fail(
            f"no open way from {route.from_zone} to {route.to_zone}; avoided: "
            + (", ".join(route.avoided) or "none")
        )
    console.print(f"{route.seconds:g} s: " + " -> ".join(route.zones))
    console.print("Through: " + ", ".join(route.portals))


@map_app.command("nearest")
def map_nearest(
    zone: str,
    role: Annotated[str, typer.Option(help="Role people must hold")] = "officer",
    limit: Annotated[int, typer.Option(help="How many")] = 5,
) -> None:
    """Who to send: people with the role, nearest first by walking time."""
    with cli_session(write=False) as session:
        people, unreachable = nearest_people(session, to_zone=zone, role=role, limit=limit)
    for p in people:
        console.print(f"{p.name}: {p.seconds:g} s from {p.zone}")
    if unreachable:
        console.print("Cannot reach now: " + ", ".join(unreachable))
    if not people and not unreachable:
        console.print(f"No one with the role {role!r} has a known place.")


@map_app.command("walk")
def map_walk(
    portal: str,
    seconds: Annotated[float, typer.Option(help="Walking time through it")],
    closed: Annotated[bool, typer.Option(help="Closed to routes")] = False,
    note: Annotated[str, typer.Option(help="Why")] = "",
) -> None:
    """Set a portal's walking time, and whether it is closed to routes."""
    with cli_session() as session:
        set_walk(
            session,
            portal_id=portal,
            seconds=seconds,
            closed=closed,
            note=note,
            actor=cli_actor(session),
        )
        console.print(f"{portal}: {seconds:g} s{' (closed)' if closed else ''}.")
