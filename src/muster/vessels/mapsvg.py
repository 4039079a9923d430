"""The station map as SVG: zones with head counts, portals with their mode, posts, casualties.

Server-rendered, self-contained (no scripts, no external fonts), so a console page can embed
it with ``<img>`` or fetch and inline it and refresh it when the live stream says something
moved. Every element carries a class and ``data-`` ids for styling and tests.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from html import escape

import networkx as nx
from sqlalchemy import select
from sqlalchemy.orm import Session

from muster import clock
from muster.access.presence import head_counts
from muster.medical.models import Casualty
from muster.places.models import Post, PostAssignment
from muster.vessels.stationmap import Link, StationGraph, station_graph

WIDTH, HEIGHT, MARGIN = 1000.0, 720.0, 80.0
ZONE_W, ZONE_H = 150.0, 54.0
MODE_COLOURS = {
    "normal": "#3a7d44",
    "evacuation": "#d98c00",
    "lockdown": "#c0392b",
    "maintenance": "#7f8c8d",
}
CLOSED_COLOUR = "#2c3e50"


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def layout(station: StationGraph) -> dict[str, tuple[float, float]]:
    """Canvas positions of the zones: their map positions, scaled to fit; others placed around."""
    known = {
        zid: (float(z.map_x), float(z.map_y))
        for zid, z in station.zones.items()
        if z.map_x is not None and z.map_y is not None
    }
    missing = [zid for zid in station.zones if zid not in known]
    positions: dict[str, tuple[float, float]] = dict(known)
    if missing:
        full: nx.Graph = nx.Graph()
        full.add_nodes_from(station.zones)
        full.add_edges_from((k.inside_zone_id, k.outside_zone_id) for k in station.links)
        placed = nx.spring_layout(
            full,
            pos=dict(known) or None,
            fixed=list(known) or None,
            seed=7,
            scale=50.0,
            center=(50.0, 50.0),
        )
        positions = {zid: (float(p[0]), float(p[1])) for zid, p in placed.items()}
        positions.update(known)
    if not positions:
        return {}
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    span_x = max(max(xs) - min(xs), 1e-9)
    span_y = max(max(ys) - min(ys), 1e-9)
    scale = min((WIDTH - 2 * MARGIN) / span_x, (HEIGHT - 2 * MARGIN) / span_y)
    return {
        zid: (MARGIN + (x - min(xs)) * scale, MARGIN + (y - min(ys)) * scale)
        for zid, (x, y) in positions.items()
    }


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
    for c in session.scalars(select(Casualty).order_by(Casualty.number)):
        casualties[c.found_zone_id].append(f"C-{c.number} {c.triage} ({c.found_at})")
    return MapFacts(head_counts(session).by_zone, at_portal, in_zone, casualties)


def _portal_svg(link: Link, a: tuple[float, float], b: tuple[float, float], facts: MapFacts) -> str:
    colour = CLOSED_COLOUR if link.closed else MODE_COLOURS.get(link.mode, "#555")
    dash = ' stroke-dasharray="8 5"' if not link.passable else ""
    width = 6 if link.kind == "airlock" else 3
    mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
    state = "closed" if link.closed else link.mode
    label = f"{link.name} · {state} · {link.seconds:g} s"
    parts = [
        f'<g class="portal portal-{_attr(link.kind)} mode-{_attr(state)}" '
        f'data-portal-id="{_attr(link.portal_id)}" data-mode="{_attr(state)}">',
        f"<title>{escape(label)}</title>",
        f'<line x1="{a[0]:.1f}" y1="{a[1]:.1f}" x2="{b[0]:.1f}" y2="{b[1]:.1f}" '
        f'stroke="{colour}" stroke-width="{width}"{dash}/>',
    ]
    if link.kind == "airlock":
        parts.append(
            f'<rect class="airlock-marker" x="{mx - 9:.1f}" y="{my - 9:.1f}" width="18" '
            f'height="18" fill="{colour}" stroke="#fff" stroke-width="2"/>'
        )
    parts.append(
        f'<text class="portal-label" x="{mx + 12:.1f}" y="{my - 6:.1f}" font-size="12" '
        f'fill="{colour}">{escape(label)}</text>'
    )
    for n, (post_id, name, guards) in enumerate(facts.posts_at_portal.get(link.portal_id, [])):
        parts.append(_post_svg(post_id, name, guards, mx + 12, my + 12 + 16 * n))
    parts.append("</g>")
    return "".join(parts)


def _post_svg(post_id: str, name: str, guards: int, x: float, y: float) -> str:
    text = f"{name} ({guards} assigned)"
    return (
        f'<g class="post" data-post-id="{_attr(post_id)}"><title>{escape(text)}</title>'
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="#2e64b5"/>'
        f'<text x="{x + 9:.1f}" y="{y + 4:.1f}" font-size="11" fill="#2e64b5">'
        f"{escape(text)}</text></g>"
    )


def _zone_svg(zid: str, station: StationGraph, at: tuple[float, float], facts: MapFacts) -> str:
    zone = station.zones[zid]
    kind = str(zone.kind)
    x, y = at[0] - ZONE_W / 2, at[1] - ZONE_H / 2
    heads = facts.heads.get(zid, 0)
    dash = ' stroke-dasharray="6 4"' if kind == "collar" else ""
    parts = [
        f'<g class="zone zone-{_attr(kind)}" id="zone-{_attr(zid)}" data-zone-id="{_attr(zid)}" '
        f'data-head-count="{heads}"><title>{escape(zone.name)}: {heads} present</title>',
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{ZONE_W:g}" height="{ZONE_H:g}" rx="8" '
        f'fill="{"#f4f6f8" if kind == "collar" else "#ffffff"}" stroke="#34495e" '
        f'stroke-width="2"{dash}/>',
        f'<text class="zone-name" x="{at[0]:.1f}" y="{at[1] - 6:.1f}" font-size="13" '
        f'font-weight="bold" text-anchor="middle" fill="#1b2631">{escape(zone.name)}</text>',
        f'<text class="head-count" x="{at[0]:.1f}" y="{at[1] + 14:.1f}" font-size="12" '
        f'text-anchor="middle" fill="#34495e">{heads} present</text>',
    ]
    for n, (post_id, name, guards) in enumerate(facts.posts_in_zone.get(zid, [])):
        parts.append(_post_svg(post_id, name, guards, x, y + ZONE_H + 14 + 16 * n))
    found = facts.casualties.get(zid, [])
    if found:
        cx, cy = x + ZONE_W - 4, y + 4
        parts.append(
            f'<g class="casualties" data-zone-id="{_attr(zid)}" data-count="{len(found)}">'
            f"<title>{escape('; '.join(found))}</title>"
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="13" fill="#c0392b"/>'
            f'<text x="{cx:.1f}" y="{cy + 4:.1f}" font-size="12" font-weight="bold" '
            f'text-anchor="middle" fill="#fff">{len(found)}</text></g>'
        )
    parts.append("</g>")
    return "".join(parts)


def _legend() -> str:
    items = [*MODE_COLOURS.items(), ("closed", CLOSED_COLOUR)]
    parts = ['<g class="legend" font-size="11">']
    for n, (name, colour) in enumerate(items):
        x = 20 + 110 * n
        parts.append(
            f'<line x1="{x}" y1="{HEIGHT - 18:g}" x2="{x + 24}" y2="{HEIGHT - 18:g}" '
            f'stroke="{colour}" stroke-width="5"/>'
            f'<text x="{x + 30}" y="{HEIGHT - 14:g}">{name}</text>'
        )
    x = 20 + 110 * len(items)
    parts.append(
        f'<circle cx="{x + 8}" cy="{HEIGHT - 18:g}" r="7" fill="#c0392b"/>'
        f'<text x="{x + 20}" y="{HEIGHT - 14:g}">casualties found</text>'
        f'<circle cx="{x + 150}" cy="{HEIGHT - 18:g}" r="5" fill="#2e64b5"/>'
        f'<text x="{x + 160}" y="{HEIGHT - 14:g}">post</text></g>'
    )
    return "".join(parts)


def render_map_svg(session: Session) -> str:
    """The whole station map, as it is now, as one SVG document."""
    station = station_graph(session)
    facts = map_facts(session)
    positions = layout(station)
    moment = clock.now()
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="station-map" role="img" '
        f'aria-label="Station map" viewBox="0 0 {WIDTH:g} {HEIGHT:g}" width="{WIDTH:g}" '
        f'height="{HEIGHT:g}" font-family="sans-serif" '
        f'data-generated-at="{_attr(moment.isoformat(timespec="seconds"))}">',
        "<title>Station map</title>",
        f'<rect width="{WIDTH:g}" height="{HEIGHT:g}" fill="#fbfcfd"/>',
        f'<text x="20" y="28" font-size="16" font-weight="bold">Station map</text>'
        f'<text x="20" y="46" font-size="11" fill="#555">as of '
        f"{moment.strftime('%Y-%m-%d %H:%M:%S')} UTC</text>",
    ]
    for link in station.links:
        out.append(
            _portal_svg(
                link, positions[link.inside_zone_id], positions[link.outside_zone_id], facts
            )
        )
    for zid in station.zones:
        out.append(_zone_svg(zid, station, positions[zid], facts))
    unplaced = facts.casualties.get(None, [])
    if unplaced:
        out.append(
            f'<g class="casualties casualties-unplaced" data-count="{len(unplaced)}">'
            f"<title>{escape('; '.join(unplaced))}</title>"
            f'<text x="{WIDTH - 20:g}" y="28" font-size="12" text-anchor="end" fill="#c0392b">'
            f"{len(unplaced)} casualties, zone not recorded</text></g>"
        )
    out.append(_legend())
    out.append("</svg>")
    return "\n".join(out)
