"""The station map as SVG: zones with head counts, portals with their mode, posts, casualties.

Server-rendered and self-contained (no scripts, no external fonts). The console inlines it
and fetches it again when the live stream reports a mode change, a walk or a move. Zones
sit in a grid (``maplayout``) so no two overlap and every label stays inside its box; each
portal is a line between its zones with a numbered marker, explained in the list beside
the grid, where locked-down and closed portals are marked. Every element carries a class
and ``data-`` ids for styling and tests.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from html import escape

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster import clock
from muster.access.presence import head_counts
from muster.medical.models import Casualty
from muster.places.models import Post, PostAssignment
from muster.vessels.maplayout import (
    MARKER,
    ZONE_H,
    ZONE_W,
    Box,
    fit_lines,
    grid_cells,
    portal_route,
    text_width,
    zone_boxes,
)
from muster.vessels.stationmap import Link, StationGraph, station_graph

MARGIN, TOP = 30.0, 70.0
PANEL_GAP, PANEL_W, ROW, SUB_ROW = 50.0, 360.0, 20.0, 16.0
LEGEND_H = 40.0
MODE_COLOURS = {
    "normal": "#3a7d44",
    "evacuation": "#d98c00",
    "lockdown": "#c0392b",
    "maintenance": "#7f8c8d",
}
CLOSED_COLOUR = "#2c3e50"
STATE_WORDS = {"lockdown": "LOCKED DOWN", "closed": "CLOSED", "maintenance": "MAINTENANCE"}
BARRED = frozenset({"lockdown", "closed"})


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def _text(
    x: float, y: float, text: str, *, size: float, width: float, extra: str = "", bold: bool = False
) -> str:
    """A text element squeezed to ``width`` if it might be wider (the label stays in place)."""
    squeeze = ""
    if text_width(text, size, bold=bold) > width:
        squeeze = f' textLength="{width:.1f}" lengthAdjust="spacingAndGlyphs"'
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:g}"{weight}{squeeze}{extra}>'
        f"{escape(text)}</text>"
    )


@dataclass(frozen=True)
class MapFacts:
    """What the map shows beside the graph: counts, posts and casualties per place."""

    heads: dict[str, int]
    posts_at_portal: dict[str, list[tuple[str, str, int]]]
    posts_in_zone: dict[str, list[tuple[str, str, int]]]
    casualties: dict[str | None, list[str]]


def map_facts(session: Session) -> MapFacts:
    """Head counts by zone, posts with their guard counts, casualties by the zone found in."""
    members: dict[str, int] = defaultdict(int)
    for (post_id,) in session.execute(select(PostAssignment.post_id)):
        members[post_id] += 1
    at_portal: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    in_zone: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for post in session.scalars(select(Post).order_by(Post.name)):
        entry = (post.id, post.name, members[post.id])
        if post.portal_id:
            at_portal[post.portal_id].append(entry)
        elif post.zone_id:
            in_zone[post.zone_id].append(entry)
    casualties: dict[str | None, list[str]] = defaultdict(list)
    counted = select(Casualty).where(Casualty.merged_into_id.is_(None))  # a merge counts once
    for c in session.scalars(counted.order_by(Casualty.number)):
        casualties[c.found_zone_id].append(f"C-{c.number} {c.triage} ({c.found_at})")
    return MapFacts(head_counts(session).by_zone, at_portal, in_zone, casualties)


def _state(link: Link) -> str:
    return "closed" if link.closed else link.mode


def _colour(link: Link) -> str:
    return CLOSED_COLOUR if link.closed else MODE_COLOURS.get(link.mode, "#555")


Point = tuple[float, float]


def _portal_svg(number: int, link: Link, route: tuple[Point, Point, Point], spot: Point) -> str:
    colour, state = _colour(link), _state(link)
    dash = ' stroke-dasharray="8 5"' if not link.passable else ""
    (ax, ay), (qx, qy), (bx, by) = route
    x, y = spot
    half = MARKER / 2
    title = f"{link.name}: {STATE_WORDS.get(state, state)}, {link.seconds:g} s to walk"
    barred = " marker-barred" if state in BARRED else ""
    parts = [
        f'<g class="portal portal-{_attr(link.kind)} mode-{_attr(state)}" '
        f'data-portal-id="{_attr(link.portal_id)}" data-mode="{_attr(state)}">',
        f"<title>{escape(title)}</title>",
        f'<path class="portal-way" d="M{ax:.1f} {ay:.1f} Q{qx:.1f} {qy:.1f} {bx:.1f} {by:.1f}" '
        f'fill="none" stroke="{colour}" stroke-width="{5 if link.kind == "airlock" else 3}"'
        f"{dash}/>",
    ]
    if state in BARRED:  # a ring around the marker: this way is shut
        parts.append(
            f'<circle class="barred-ring" cx="{x:.1f}" cy="{y:.1f}" r="{half + 2:g}" '
            f'fill="none" stroke="{colour}" stroke-width="3"/>'
        )
    if link.kind == "airlock":
        parts.append(
            f'<rect class="airlock-marker portal-marker{barred}" x="{x - half + 2:.1f}" '
            f'y="{y - half + 2:.1f}" width="{MARKER - 4:g}" height="{MARKER - 4:g}" '
            f'fill="{colour}" stroke="#fff" stroke-width="2"/>'
        )
    else:
        parts.append(
            f'<circle class="door-marker portal-marker{barred}" cx="{x:.1f}" cy="{y:.1f}" '
            f'r="{half - 2:g}" fill="{colour}" stroke="#fff" stroke-width="2"/>'
        )
    parts.append(
        f'<text class="marker-number" x="{x:.1f}" y="{y + 4:.1f}" font-size="11" '
        f'font-weight="bold" text-anchor="middle" fill="#fff">{number}</text></g>'
    )
    return "".join(parts)


def _zone_svg(zid: str, station: StationGraph, box: Box, facts: MapFacts) -> str:
    zone = station.zones[zid]
    kind = str(zone.kind)
    heads = facts.heads.get(zid, 0)
    dash = ' stroke-dasharray="6 4"' if kind == "collar" else ""
    found = facts.casualties.get(zid, [])
    parts = [
        f'<g class="zone zone-{_attr(kind)}" id="zone-{_attr(zid)}" data-zone-id="{_attr(zid)}" '
        f'data-head-count="{heads}"><title>{escape(zone.name)}: {heads} present</title>',
        f'<rect class="zone-box" x="{box.x:.1f}" y="{box.y:.1f}" width="{ZONE_W:g}" '
        f'height="{ZONE_H:g}" rx="8" fill="{"#f4f6f8" if kind == "collar" else "#ffffff"}" '
        f'stroke="#34495e" stroke-width="2"{dash}/>',
    ]
    cx = box.x + ZONE_W / 2
    lines = fit_lines(zone.name, 13, ZONE_W - 20, bold=True)
    first = box.y + (20 if len(lines) > 1 else 27)
    for n, line in enumerate(lines):
        parts.append(
            _text(
                cx,
                first + 16 * n,
                line,
                size=13,
                width=ZONE_W - 20,
                bold=True,
                extra=' class="zone-name" text-anchor="middle" fill="#1b2631"',
            )
        )
    parts.append(
        _text(
            box.x + 10,
            box.y + ZONE_H - 10,
            f"{heads} present",
            size=12,
            width=ZONE_W - 50,
            extra=' class="head-count" fill="#34495e"',
        )
    )
    if found:
        bx, by = box.x + ZONE_W - 18, box.y + ZONE_H - 15
        parts.append(
            f'<g class="casualties" data-zone-id="{_attr(zid)}" data-count="{len(found)}">'
            f"<title>{escape('; '.join(found))}</title>"
            f'<circle cx="{bx:.1f}" cy="{by:.1f}" r="10" fill="#c0392b"/>'
            f'<text x="{bx:.1f}" y="{by + 4:.1f}" font-size="11" font-weight="bold" '
            f'text-anchor="middle" fill="#fff">{len(found)}</text></g>'
        )
    parts.append("</g>")
    return "".join(parts)


def _post_svg(post_id: str, text: str, x: float, y: float) -> str:
    return (
        f'<g class="post" data-post-id="{_attr(post_id)}"><title>{escape(text)}</title>'
        f'<circle cx="{x + 5:.1f}" cy="{y - 4:.1f}" r="4" fill="#2e64b5"/>'
        + _text(x + 14, y, text, size=11, width=PANEL_W - 40, extra=' fill="#2e64b5"')
        + "</g>"
    )


def _panel(x: float, y: float, station: StationGraph, facts: MapFacts) -> tuple[str, float]:
    """The numbered list of portals with their state and posts, then posts in zones."""
    parts = ['<g class="map-panel">', _text(x, y, "Portals", size=13, width=PANEL_W, bold=True)]
    y += ROW
    for number, link in enumerate(station.links, start=1):
        state = _state(link)
        words = STATE_WORDS.get(state, state)
        parts.append(
            f'<g class="portal-entry mode-{_attr(state)}" data-portal-id="{_attr(link.portal_id)}"'
            f' data-mode="{_attr(state)}">'
            + _text(
                x, y, f"{number}", size=11, width=22, bold=True, extra=f' fill="{_colour(link)}"'
            )
            + _text(
                x + 24,
                y,
                f"{link.name} · {words} · {link.seconds:g} s",
                size=12,
                width=PANEL_W - 24,
                bold=state in BARRED,
                extra=f' fill="{_colour(link)}"',
            )
            + "</g>"
        )
        y += ROW
        for post_id, name, guards in facts.posts_at_portal.get(link.portal_id, []):
            parts.append(_post_svg(post_id, f"{name} ({guards} assigned)", x + 24, y))
            y += SUB_ROW
    zone_posts = [
        (station.zones[zid].name, post)
        for zid in station.zones
        for post in facts.posts_in_zone.get(zid, [])
    ]
    if zone_posts:
        y += SUB_ROW / 2
        parts.append(_text(x, y, "Posts in zones", size=13, width=PANEL_W, bold=True))
        y += ROW
        for zone_name, (post_id, name, guards) in zone_posts:
            parts.append(_post_svg(post_id, f"{name} in {zone_name} ({guards} assigned)", x, y))
            y += SUB_ROW
    unplaced = facts.casualties.get(None, [])
    if unplaced:
        y += SUB_ROW / 2
        parts.append(
            f'<g class="casualties casualties-unplaced" data-count="{len(unplaced)}">'
            f"<title>{escape('; '.join(unplaced))}</title>"
            + _text(
                x,
                y,
                f"{len(unplaced)} casualties, zone not recorded",
                size=12,
                width=PANEL_W,
                extra=' fill="#c0392b"',
            )
            + "</g>"
        )
        y += ROW
    parts.append("</g>")
    return "".join(parts), y


def _legend(y: float) -> str:
    items = [*MODE_COLOURS.items(), ("closed", CLOSED_COLOUR)]
    parts = [f'<g class="legend" font-size="11" transform="translate(0 {y:.1f})">']
    for n, (name, colour) in enumerate(items):
        x = MARGIN + 110 * n
        parts.append(
            f'<line x1="{x:g}" y1="0" x2="{x + 24:g}" y2="0" stroke="{colour}" stroke-width="5"/>'
            f'<text x="{x + 30:g}" y="4">{STATE_WORDS.get(name, name).lower()}</text>'
        )
    x = MARGIN + 110 * len(items)
    parts.append(
        f'<circle cx="{x + 8:g}" cy="0" r="7" fill="#c0392b"/>'
        f'<text x="{x + 20:g}" y="4">casualties found</text>'
        f'<circle cx="{x + 150:g}" cy="0" r="5" fill="#2e64b5"/>'
        f'<text x="{x + 160:g}" y="4">post</text></g>'
    )
    return "".join(parts)


def render_map_svg(session: Session) -> str:
    """The whole station map, as it is now, as one SVG document."""
    station = station_graph(session)
    facts = map_facts(session)
    positions = {
        zid: (float(z.map_x), float(z.map_y))
        if z.map_x is not None and z.map_y is not None
        else None
        for zid, z in station.zones.items()
    }
    cells = grid_cells(positions, [(k.inside_zone_id, k.outside_zone_id) for k in station.links])
    boxes = zone_boxes(cells, (MARGIN, TOP))
    right = max((b.x + b.w for b in boxes.values()), default=MARGIN)
    bottom = max((b.y + b.h for b in boxes.values()), default=TOP)
    markers: list[Box] = []
    portals = []
    for number, link in enumerate(station.links, start=1):
        a, b = boxes[link.inside_zone_id], boxes[link.outside_zone_id]
        control, spot = portal_route(a, b, list(boxes.values()), markers)
        markers.append(Box(spot[0] - MARKER / 2, spot[1] - MARKER / 2, MARKER, MARKER))
        portals.append(_portal_svg(number, link, (a.centre, control, b.centre), spot))
    panel_x = right + PANEL_GAP
    panel, panel_bottom = _panel(panel_x, TOP + 12, station, facts)
    width = panel_x + PANEL_W + MARGIN
    height = max(bottom, panel_bottom) + LEGEND_H + 10
    moment = clock.now()
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="station-map" role="img" '
        # As wide as its frame, the height from the view box (a console page inlines it).
        f'aria-label="Station map" viewBox="0 0 {width:g} {height:g}" width="100%" '
        f'font-family="sans-serif" '
        f'data-generated-at="{_attr(moment.isoformat(timespec="seconds"))}">',
        "<title>Station map</title>",
        f'<rect width="{width:g}" height="{height:g}" fill="#fbfcfd"/>',
        f'<text x="{MARGIN:g}" y="28" font-size="16" font-weight="bold">Station map</text>'
        f'<text x="{MARGIN:g}" y="46" font-size="11" fill="#555">as of '
        f"{moment.strftime('%Y-%m-%d %H:%M:%S')} UTC</text>",
    ]
    # Portals under the zones: a line runs beneath the boxes it crosses, while its marker
    # lies clear of every box and stays in view.
    out += portals
    out += [_zone_svg(zid, station, boxes[zid], facts) for zid in station.zones]
    out.append(panel)
    out.append(_legend(height - LEGEND_H / 2))
    out.append("</svg>")
    return "\n".join(out)
