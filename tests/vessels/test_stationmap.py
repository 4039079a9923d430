"""The station map: routes by walking time around closed portals, nearest officers, the SVG."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from sqlalchemy.orm import Session

from muster.access.modes import set_portal_mode
from muster.errors import NotFound
from muster.places.enums import PortalMode
from muster.policy.actor import Actor
from muster.vessels.mapsvg import render_map_svg
from muster.vessels.stationmap import (
    DEFAULT_WALK_SECONDS,
    estimated_seconds,
    nearest_people,
    route_between,
    set_walk,
    station_graph,
)

from .station import Station, build_station

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def station(session: Session, actor: Actor) -> Station:
    """The small station in the test's session."""
    return build_station(session, actor)


class TestWalkingTimes:
    """Walking times come from the portal's setting, else the map positions, else a default."""

    def test_estimate_from_positions(self, session: Session, station: Station) -> None:
        graph = station_graph(session)
        door = next(k for k in graph.links if k.name == "Hospital door")
        assert door.seconds == pytest.approx(2.5 * (15**2 + 30**2) ** 0.5, abs=0.1)

    def test_default_without_positions(self, session: Session, station: Station) -> None:
        graph = station_graph(session)
        zone = graph.zones[station.zones["Hospital"]]
        zone.map_x = None
        assert estimated_seconds(zone, zone) == DEFAULT_WALK_SECONDS

    def test_set_walk_is_used_and_logged(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        set_walk(
            session,
            portal_id=station.portals["Hospital door"],
            seconds=42.0,
            closed=False,
            note="measured",
            actor=actor,
        )
        door = next(k for k in station_graph(session).links if k.name == "Hospital door")
        assert door.seconds == 42.0


class TestRoutes:
    """Routes take the quickest way and never pass a locked-down, maintained or closed portal."""

    def test_quickest_route(self, session: Session, station: Station) -> None:
        route = route_between(session, from_zone="Command deck", to_zone="West collar")
        assert route.found
        assert route.portals == ["Service duct", "West airlock"]
        assert route.seconds is not None
        assert route.seconds < 300

    def test_lockdown_avoided(self, session: Session, actor: Actor, station: Station) -> None:
        set_portal_mode(
            session,
            portal_id=station.portals["Service duct"],
            mode=PortalMode.LOCKDOWN,
            reason="stand-off",
            actor=actor,
        )
        route = route_between(session, from_zone="Command deck", to_zone="West corridor")
        assert "Service duct" not in route.portals
        assert route.zones == ["Command deck", "Residential rings", "West corridor"]
        assert "Service duct (lockdown)" in route.avoided

    @pytest.mark.parametrize("mode", [PortalMode.LOCKDOWN, PortalMode.MAINTENANCE])
    def test_no_route_when_cut_off(
        self, session: Session, actor: Actor, station: Station, mode: PortalMode
    ) -> None:
        set_portal_mode(
            session, portal_id=station.portals["West airlock"], mode=mode, reason="x", actor=actor
        )
        route = route_between(session, from_zone="Command deck", to_zone="West collar")
        assert not route.found
        assert route.seconds is None

    def test_closed_portal_avoided(self, session: Session, actor: Actor, station: Station) -> None:
        set_walk(
            session,
            portal_id=station.portals["Service duct"],
            seconds=30,
            closed=True,
            note="debris",
            actor=actor,
        )
        route = route_between(session, from_zone="Command deck", to_zone="West corridor")
        assert route.portals == ["Command deck door", "West corridor door"]

    def test_unknown_zone(self, session: Session, station: Station) -> None:
        with pytest.raises(NotFound):
            route_between(session, from_zone="Bridge", to_zone="Hospital")


class TestNearest:
    """The nearest officers are ordered by walking time from where they are now."""

    def test_nearest_officers(self, session: Session, station: Station) -> None:
        people, unreachable = nearest_people(session, to_zone="West corridor")
        assert [p.name for p in people] == ["Dominic", "Ken"]
        assert people[0].seconds < people[1].seconds
        assert people[0].zones[0] == "Command deck"
        assert people[0].zones[-1] == "West corridor"
        assert unreachable == []

    def test_cut_off_officer_reported(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        set_portal_mode(
            session,
            portal_id=station.portals["South corridor door"],
            mode=PortalMode.LOCKDOWN,
            reason="stand-off",
            actor=actor,
        )
        people, unreachable = nearest_people(session, to_zone="West corridor")
        assert [p.name for p in people] == ["Dominic"]
        assert unreachable == ["Ken (South corridor)"]

    def test_other_role(self, session: Session, station: Station) -> None:
        people, _ = nearest_people(session, to_zone="South corridor", role="guard")
        assert [p.name for p in people] == ["Noor"]


class TestMapSvg:
    """The SVG is well-formed and shows airlocks with their mode, posts, counts and casualties."""

    def test_contents(self, session: Session, actor: Actor, station: Station) -> None:
        set_portal_mode(
            session,
            portal_id=station.portals["West airlock"],
            mode=PortalMode.LOCKDOWN,
            reason="stand-off",
            actor=actor,
        )
        root = ElementTree.fromstring(render_map_svg(session))
        groups = list(root.iter(f"{SVG}g"))

        def of_class(name: str) -> list[ElementTree.Element]:
            return [g for g in groups if name in (g.get("class") or "").split()]

        assert len(of_class("zone")) == len(station.zones)
        modes = {g.get("data-portal-id"): g.get("data-mode") for g in of_class("portal-airlock")}
        assert modes == {
            station.portals["West airlock"]: "lockdown",
            station.portals["South airlock"]: "normal",
        }
        west = next(
            g for g in of_class("zone") if g.get("data-zone-id") == station.zones["West corridor"]
        )
        assert west.get("data-head-count") == "1"
        assert [g.get("data-count") for g in of_class("casualties")] == ["1"]
        assert "West airlock post (1 assigned)" in "".join(of_class("post")[0].itertext())
