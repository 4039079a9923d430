"""The station as a graph: zones joined by portals, weighted by walking time (networkx).

A portal's walking time is the one set for it (``PortalWalk``), else estimated from the
map positions of its two zones, else a default. Routes never pass a portal that is closed,
locked down or under maintenance; the answer says which portals were avoided.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import networkx as nx
from sqlalchemy import select
from sqlalchemy.orm import Session

from muster import clock
from muster.access.models import Presence
from muster.events.service import append_event
from muster.people.enums import PersonStatus
from muster.people.models import Person
from muster.places.enums import PortalMode
from muster.places.models import Portal, Zone
from muster.places.service import find_portal, find_zone
from muster.policy.actor import Actor
from muster.policy.authorize import authorize
from muster.vessels.models import PortalWalk

DEFAULT_WALK_SECONDS = 60.0
SECONDS_PER_MAP_UNIT = 2.5
MIN_WALK_SECONDS = 10.0
IMPASSABLE_MODES = frozenset({PortalMode.LOCKDOWN.value, PortalMode.MAINTENANCE.value})


@dataclass(frozen=True)
class Link:
    """A portal as an edge of the map."""

    portal_id: str
    name: str
    kind: str
    mode: str
    inside_zone_id: str
    outside_zone_id: str
    seconds: float
    closed: bool

    @property
    def passable(self) -> bool:
        """Whether a route may go through it now."""
        return not self.closed and self.mode not in IMPASSABLE_MODES


@dataclass
class StationGraph:
    """Zones and portals, with the graph of the passable portals."""

    zones: dict[str, Zone]
    links: list[Link]
    graph: nx.Graph = field(default_factory=nx.Graph)


def estimated_seconds(a: Zone, b: Zone) -> float:
    """A walking time from the two zones' map positions, or the default."""
    if None in (a.map_x, a.map_y, b.map_x, b.map_y):
        return DEFAULT_WALK_SECONDS
    distance = math.dist((a.map_x or 0.0, a.map_y or 0.0), (b.map_x or 0.0, b.map_y or 0.0))
    return max(MIN_WALK_SECONDS, round(distance * SECONDS_PER_MAP_UNIT, 1))


def station_graph(session: Session) -> StationGraph:
    """The map as it is now: every zone and portal, and a graph of those one may pass."""
    zones = {z.id: z for z in session.scalars(select(Zone).order_by(Zone.name))}
    walks = {w.portal_id: w for w in session.scalars(select(PortalWalk))}
    links: list[Link] = []
    graph: nx.Graph = nx.Graph()
    graph.add_nodes_from(zones)
    for portal in session.scalars(select(Portal).order_by(Portal.name)):
        walk = walks.get(portal.id)
        inside, outside = zones[portal.inside_zone_id], zones[portal.outside_zone_id]
        link = Link(
            portal_id=portal.id,
            name=portal.name,
            kind=str(portal.kind),
            mode=str(portal.mode),
            inside_zone_id=inside.id,
            outside_zone_id=outside.id,
            seconds=walk.seconds if walk else estimated_seconds(inside, outside),
            closed=walk.closed if walk else False,
        )
        links.append(link)
        if not link.passable:
            continue
        known = graph.get_edge_data(inside.id, outside.id)
        if known is None or known["seconds"] > link.seconds:  # the quicker of parallel portals
            graph.add_edge(inside.id, outside.id, seconds=link.seconds, portal_id=portal.id)
    return StationGraph(zones=zones, links=links, graph=graph)


@dataclass(frozen=True)
class Route:
    """A way from one zone to another: the zones and portals in order, and the time."""

    from_zone: str
    to_zone: str
    found: bool
    seconds: float | None
    zones: list[str]
    portals: list[str]
    avoided: list[str]  # portals a route may not use now, with why


def _avoided(links: list[Link]) -> list[str]:
    return [
        f"{link.name} ({'closed' if link.closed else link.mode})"
        for link in links
        if not link.passable
    ]


def route_between(session: Session, *, from_zone: str, to_zone: str) -> Route:
    """The quickest walk between two zones (by id or name) through passable portals."""
    start, end = find_zone(session, from_zone), find_zone(session, to_zone)
    station = station_graph(session)
    avoided = _avoided(station.links)
    try:
        path = nx.shortest_path(station.graph, start.id, end.id, weight="seconds")
    except nx.NetworkXNoPath:
        return Route(start.name, end.name, False, None, [], [], avoided)
    edges = [station.graph.edges[a, b] for a, b in itertools.pairwise(path)]
    names = {link.portal_id: link.name for link in station.links}
    return Route(
        from_zone=start.name,
        to_zone=end.name,
        found=True,
        seconds=round(sum(float(e["seconds"]) for e in edges), 1),
        zones=[station.zones[z].name for z in path],
        portals=[names[e["portal_id"]] for e in edges],
        avoided=avoided,
    )


@dataclass(frozen=True)
class Responder:
    """A person who could be sent, where they are, and how long they would take."""

    person_id: str
    name: str
    zone: str
    seconds: float
    zones: list[str]


def nearest_people(
    session: Session, *, to_zone: str, role: str = "officer", limit: int = 5
) -> tuple[list[Responder], list[str]]:
    """Active people with ``role`` by walking time to a zone; also those who cannot reach it.

    Where people are comes from the current-presence table; a person with no known place is
    left out (the roll call finds them).
    """
    target = find_zone(session, to_zone)
    station = station_graph(session)
    times = nx.single_source_dijkstra(station.graph, target.id, weight="seconds")
    seconds_to, paths = times
    rows = session.execute(
        select(Person, Presence.zone_id)
        .join(Presence, Presence.person_id == Person.id)
        .where(Person.status == PersonStatus.ACTIVE, Person.archived_at.is_(None))
    ).all()
    found: list[Responder] = []
    cut_off: list[str] = []
    for person, zone_id in rows:
        if role not in (person.roles or []):
            continue
        if zone_id not in seconds_to:
            cut_off.append(f"{person.name} ({station.zones[zone_id].name})")
            continue
        path = [station.zones[z].name for z in reversed(paths[zone_id])]
        found.append(
            Responder(
                person_id=person.id,
                name=person.name,
                zone=station.zones[zone_id].name,
                seconds=round(float(seconds_to[zone_id]), 1),
                zones=path,
            )
        )
    found.sort(key=lambda r: (r.seconds, r.name))
    return found[:limit], sorted(cut_off)


def set_walk(
    session: Session,
    *,
    portal_id: str,
    seconds: float,
    closed: bool,
    note: str,
    actor: Actor,
) -> PortalWalk:
    """Set a portal's walking time, and whether it is closed to routes (debris, damage)."""
    authorize(actor, "map.manage")
    portal = find_portal(session, portal_id)  # id or name
    walk = session.get(PortalWalk, portal.id)
    old = None if walk is None else {"seconds": walk.seconds, "closed": walk.closed}
    if walk is None:
        walk = PortalWalk(portal_id=portal.id)
        session.add(walk)
    walk.seconds = seconds
    walk.closed = closed
    walk.note = note
    walk.updated_by = actor.label
    walk.updated_at = clock.now()
    session.flush()
    append_event(
        session,
        kind="vessels.portal_walk.set",
        actor=actor,
        subjects=[portal.id],
        payload={
            "portal": portal.name,
            "seconds": seconds,
            "closed": closed,
            "note": note,
            "was": old,
        },
    )
    return walk
