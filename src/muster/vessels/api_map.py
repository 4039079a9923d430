"""The station map over HTTP under ``/api/v1/map``: graph, SVG, routes, nearest people."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from muster.access.presence import head_counts
from muster.policy.authorize import authorize
from muster.vessels.mapsvg import render_map_svg
from muster.vessels.schemas import PortalWalkSet
from muster.vessels.stationmap import (
    Responder,
    Route,
    nearest_people,
    route_between,
    set_walk,
    station_graph,
)
from muster.web.deps import CurrentActor, SessionDep

router = APIRouter(prefix="/map", tags=["map"])
ZoneQuery = Annotated[str, Query(min_length=1, max_length=200, description="Zone id or name")]


class MapZone(BaseModel):
    """A zone as a node of the map."""

    id: str
    name: str
    kind: str
    map_x: float | None
    map_y: float | None
    present: int


class MapPortal(BaseModel):
    """A portal as an edge of the map."""

    id: str
    name: str
    kind: str
    mode: str
    inside_zone_id: str
    outside_zone_id: str
    seconds: float
    closed: bool
    passable: bool


class StationMap(BaseModel):
    """Zones and portals with positions, walking times and head counts."""

    zones: list[MapZone]
    portals: list[MapPortal]


class NearestPeople(BaseModel):
    """People by walking time to a zone, and those who cannot reach it now."""

    zone: str
    role: str
    people: list[Responder]
    unreachable: list[str]


@router.get("")
def read_map(session: SessionDep, actor: CurrentActor) -> StationMap:
    """The station graph: zones with positions and head counts, portals with walking times."""
    authorize(actor, "map.read")
    station = station_graph(session)
    heads = head_counts(session).by_zone
    zones = [
        MapZone(
            id=z.id,
            name=z.name,
            kind=str(z.kind),
            map_x=z.map_x,
            map_y=z.map_y,
            present=heads.get(z.id, 0),
        )
        for z in station.zones.values()
    ]
    portals = [
        MapPortal(
            id=k.portal_id,
            name=k.name,
            kind=k.kind,
            mode=k.mode,
            inside_zone_id=k.inside_zone_id,
            outside_zone_id=k.outside_zone_id,
            seconds=k.seconds,
            closed=k.closed,
            passable=k.passable,
        )
        for k in station.links
    ]
    return StationMap(zones=zones, portals=portals)


@router.get("/svg", response_class=Response)
def read_map_svg(session: SessionDep, actor: CurrentActor) -> Response:
    """The station map as SVG: airlocks and their mode, posts, head counts, casualties."""
    authorize(actor, "map.read")
    return Response(
        render_map_svg(session), media_type="image/svg+xml", headers={"Cache-Control": "no-store"}
    )


@router.get("/route")
def read_route(
    session: SessionDep,
    actor: CurrentActor,
    from_zone: Annotated[str, Query(alias="from", min_length=1, max_length=200)],
    to_zone: Annotated[str, Query(alias="to", min_length=1, max_length=200)],
) -> Route:
    """The quickest walk between two zones, avoiding closed, locked-down and maintenance portals."""
    authorize(actor, "map.read")
    return route_between(session, from_zone=from_zone, to_zone=to_zone)


@router.get("/nearest")
def read_nearest(
    session: SessionDep,
    actor: CurrentActor,
    zone: ZoneQuery,
    role: Annotated[str, Query(min_length=1, max_length=60)] = "officer",
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
) -> NearestPeople:
    """Who to send: active people with the role, nearest first by walking time."""
    authorize(actor, "map.read")
    people, unreachable = nearest_people(session, to_zone=zone, role=role, limit=limit)
    return NearestPeople(zone=zone, role=role, people=people, unreachable=unreachable)


@router.put("/portals/{portal_id}/walk")
def put_walk(
    portal_id: str, body: PortalWalkSet, session: SessionDep, actor: CurrentActor
) -> MapPortal:
    """Set a portal's walking time and whether it is closed to routes."""
    set_walk(
        session,
        portal_id=portal_id,
        seconds=body.seconds,
        closed=body.closed,
        note=body.note,
        actor=actor,
    )
    link = next(k for k in station_graph(session).links if k.portal_id == portal_id)
    return MapPortal(
        id=link.portal_id,
        name=link.name,
        kind=link.kind,
        mode=link.mode,
        inside_zone_id=link.inside_zone_id,
        outside_zone_id=link.outside_zone_id,
        seconds=link.seconds,
        closed=link.closed,
        passable=link.passable,
    )
