"""The station map in Chromium: no zone or marker overlaps another, every label stays in its
box, locked-down and closed portals are marked, and the console redraws it live."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from console.browser import serve, signed_in_page
from harness.station import new_portal, new_zone
from muster.auth import service as auth_service
from muster.config import Settings
from muster.db import Database
from muster.places.enums import PortalKind
from muster.places.models import Zone
from muster.policy.actor import Actor
from muster.vessels.stationmap import set_walk
from muster.web.app import create_app

from .station import Station, build_station

pytestmark = pytest.mark.browser
SYSTEM = Actor.system("test")
LONG_NAME = "Hydroponics and life support maintenance bay"
# Extra zones that a naive layout draws on top of others: one without a position and a
# long name, one at the very position of the command deck, two with no position at all.
EXTRA_ZONES = [
    (LONG_NAME, None),
    ("Observation deck", (50.0, 40.0)),
    ("Storage", None),
    ("Gym", None),
]
EXTRA_DOORS = [
    ("Hydroponics door", LONG_NAME, "Residential rings"),
    ("Observation door", "Observation deck", "Command deck"),
    ("Storage hatch", "Storage", "South corridor"),
    ("Gym door", "Gym", "Residential rings"),
]

# Bounding boxes in CSS pixels of every zone box, the text inside it, every portal marker
# and the list beside the zones, read from the rendered page.
MEASURE = """() => {
  const box = (el) => { const r = el.getBoundingClientRect();
    return {x: r.left, y: r.top, w: r.width, h: r.height}; };
  const svg = document.querySelector("svg.station-map");
  return {
    svg: box(svg),
    zones: [...svg.querySelectorAll("g.zone")].map((g) => ({
      id: g.dataset.zoneId,
      box: box(g.querySelector("rect.zone-box")),
      texts: [...g.querySelectorAll("text")].map((t) => ({text: t.textContent, box: box(t)})),
    })),
    markers: [...svg.querySelectorAll("g.portal")].map((g) => ({
      id: g.dataset.portalId, box: box(g.querySelector(".portal-marker")) })),
    panel: box(svg.querySelector("g.map-panel")),
    panelTexts: [...svg.querySelectorAll("g.map-panel text")].map((t) => box(t)),
  };
}"""


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    """True if the two boxes share area (touching edges do not count)."""
    return not (
        a["x"] + a["w"] <= b["x"]
        or b["x"] + b["w"] <= a["x"]
        or a["y"] + a["h"] <= b["y"]
        or b["y"] + b["h"] <= a["y"]
    )


def inside(inner: dict[str, float], outer: dict[str, float], slack: float = 0.5) -> bool:
    """True if ``inner`` lies within ``outer``."""
    return (
        inner["x"] >= outer["x"] - slack
        and inner["y"] >= outer["y"] - slack
        and inner["x"] + inner["w"] <= outer["x"] + outer["w"] + slack
        and inner["y"] + inner["h"] <= outer["y"] + outer["h"] + slack
    )


def check_layout(page: Page, zones: int, portals: int) -> None:
    """Every zone and marker drawn, none overlapping, every label inside its box."""
    seen: dict[str, Any] = page.evaluate(MEASURE)
    assert len(seen["zones"]) == zones
    assert len(seen["markers"]) == portals
    boxes = [z["box"] for z in seen["zones"]]
    markers = [m["box"] for m in seen["markers"]]
    for i, a in enumerate(boxes + markers):
        for b in (boxes + markers)[i + 1 :]:
            assert not overlap(a, b), (a, b)
    for zone in seen["zones"]:
        assert zone["texts"], zone
        for text in zone["texts"]:
            assert inside(text["box"], zone["box"]), (zone["id"], text)
    for box in boxes + markers:
        assert not overlap(box, seen["panel"]), (box, seen["panel"])
    for box in [*boxes, *markers, *seen["panelTexts"]]:
        assert inside(box, seen["svg"]), box


@pytest.fixture
def station(db: Database) -> Station:
    """The map test station with the zones that crowd a naive layout, and a commander's
    console account and API token."""
    with db.session_scope() as session:
        built = build_station(session, SYSTEM)
        for name, at in EXTRA_ZONES:
            built.zones[name] = new_zone(session, SYSTEM, name, map_at=at).id
        for name, inside_zone, outside_zone in EXTRA_DOORS:
            inside = session.get(Zone, built.zones[inside_zone])
            outside = session.get(Zone, built.zones[outside_zone])
            assert inside is not None
            assert outside is not None
            portal = new_portal(session, SYSTEM, name, PortalKind.DOOR, inside, outside)
            built.portals[name] = portal.id
        set_walk(
            session,
            portal_id=built.portals["Storage hatch"],
            seconds=40,
            closed=True,
            note="debris",
            actor=SYSTEM,
        )
        auth_service.create_account(
            session,
            username="john",
            display_name="John",
            roles=["commander"],
            password="correct horse battery",
            actor=SYSTEM,
        )
        _token, secret = auth_service.create_token(
            session, name="t-john", username="john", scopes=[], actor=SYSTEM
        )
    built.people["token"] = secret  # the commander's API token, for the mode change
    return built


class TestMapLayout:
    """Chromium draws the console's map without overlap, and redraws it on a mode change."""

    def test_no_overlap_and_live_lockdown(
        self,
        chromium: Browser,
        db: Database,
        settings: Settings,
        station: Station,
        tmp_path: Path,
    ) -> None:
        zones, portals = len(station.zones), len(station.portals)
        west = station.portals["West airlock"]
        with serve(create_app(settings, db, run_scheduler=False)) as url:
            contexts: list[Any] = []
            try:
                page = signed_in_page(chromium, url, "john", keep=contexts)
                page.goto(f"{url}/vessels")
                expect(page.locator("body")).to_have_attribute("data-link", "live")
                check_layout(page, zones, portals)
                hatch = page.locator(
                    f'g.portal[data-portal-id="{station.portals["Storage hatch"]}"]'
                )
                expect(hatch).to_have_attribute("data-mode", "closed")
                expect(hatch.locator(".marker-barred")).to_have_count(1)
                marker = page.locator(f'svg g.portal[data-portal-id="{west}"]')
                expect(marker).to_have_attribute("data-mode", "normal")
                page.evaluate("window.notReloaded = true")

                changed = httpx.put(
                    f"{url}/api/v1/portals/{west}/mode",
                    json={"mode": "lockdown", "reason": "Stand-off at the collar."},
                    headers={"Authorization": f"Bearer {station.people['token']}"},
                )
                assert changed.status_code == 200, changed.text

                expect(marker).to_have_attribute("data-mode", "lockdown")
                expect(marker.locator(".marker-barred")).to_have_count(1)
                entry = page.locator(f'g.portal-entry[data-portal-id="{west}"]')
                expect(entry).to_contain_text("LOCKED DOWN")
                assert page.evaluate("window.notReloaded") is True
                check_layout(page, zones, portals)
                page.screenshot(path=str(tmp_path / "station-map.png"), full_page=True)
            finally:
                for context in contexts:
                    context.close()
