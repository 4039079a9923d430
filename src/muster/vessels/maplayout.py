"""Where the station map draws each zone and portal marker, so that nothing overlaps.

Zones sit in the cells of a grid, one zone a cell, so no two boxes can overlap whatever the
coordinates say. A zone's cell is the free one nearest its own map position (``map_x``,
``map_y``, scaled to the grid); zones without a position get one from a spring layout of
the portal graph around those that have one. A portal's marker goes on the line between
its two zones at the first point clear of every box and of the markers placed before it.
Text is measured with conservative glyph widths and squeezed (SVG ``textLength``) when it
would not fit, so a label never leaves its box.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np

ZONE_W, ZONE_H = 180.0, 66.0
GAP_X, GAP_Y = 70.0, 56.0
MARKER = 22.0
# Widths in em of the widest glyphs of common sans-serif fonts (DejaVu Sans Bold is the
# widest of those a station's browsers have): an estimate never below the rendered width.
_WIDE, _NARROW = set("MWmw@%"), set("fijlrtI.,:;'|!()[] -")


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle in map units."""

    x: float
    y: float
    w: float
    h: float

    @property
    def centre(self) -> tuple[float, float]:
        """The middle of the box."""
        return (self.x + self.w / 2, self.y + self.h / 2)

    def overlaps(self, other: Box, margin: float = 0.0) -> bool:
        """True if the two boxes (each grown by ``margin``) share any area."""
        return not (
            self.x + self.w + margin <= other.x
            or other.x + other.w + margin <= self.x
            or self.y + self.h + margin <= other.y
            or other.y + other.h + margin <= self.y
        )


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """A width ``text`` will not exceed at font ``size`` in a sans-serif font."""
    em = 0.0
    for ch in text:
        if ch in _WIDE:
            em += 1.1
        elif ch in _NARROW:
            em += 0.45
        elif ch.isupper() or ch.isdigit():
            em += 0.86 if ch.isupper() else 0.72
        else:
            em += 0.74
    return em * size * (1.05 if bold else 1.0)


def fit_lines(text: str, size: float, width: float, *, bold: bool = False) -> list[str]:
    """``text`` in at most two lines at word boundaries, each meant to fit ``width``."""
    if text_width(text, size, bold=bold) <= width or " " not in text:
        return [text]
    words = text.split(" ")
    best = (math.inf, [text])
    for cut in range(1, len(words)):
        lines = [" ".join(words[:cut]), " ".join(words[cut:])]
        widest = max(text_width(line, size, bold=bold) for line in lines)
        best = min(best, (widest, lines), key=lambda b: b[0])
    return best[1]


def _preferred(
    zones: Mapping[str, tuple[float, float] | None], edges: Iterable[tuple[str, str]]
) -> dict[str, tuple[float, float]]:
    known = {zid: p for zid, p in zones.items() if p is not None}
    if len(known) == len(zones):
        return dict(known)
    graph: nx.Graph = nx.Graph()
    graph.add_nodes_from(zones)
    graph.add_edges_from(edges)
    centre = (50.0, 50.0)
    if known:
        xs, ys = [p[0] for p in known.values()], [p[1] for p in known.values()]
        centre = ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)
    # The spring layout only suggests where an unplaced zone would like to be (each zone
    # then takes a free cell of its own). With fixed zones far apart or on top of each
    # other its arithmetic can overflow; a suggestion that is not a number becomes the
    # centre, and the grid still gives every zone a cell.
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        placed = nx.spring_layout(
            graph,
            pos=dict(known) or None,
            fixed=list(known) or None,
            seed=7,
            scale=50.0,
            center=centre,
        )
    out = {
        zid: (float(p[0]), float(p[1])) if np.all(np.isfinite(p)) else centre
        for zid, p in placed.items()
    }
    out.update(known)
    return out


def grid_cells(
    zones: Mapping[str, tuple[float, float] | None], edges: Iterable[tuple[str, str]]
) -> dict[str, tuple[int, int]]:
    """Each zone's (column, row): the free cell nearest its preferred position."""
    if not zones:
        return {}
    preferred = _preferred(zones, edges)
    xs = [p[0] for p in preferred.values()]
    ys = [p[1] for p in preferred.values()]
    span_x, span_y = max(xs) - min(xs) or 1.0, max(ys) - min(ys) or 1.0
    # About twice as many cells as zones, in the proportions of the positions.
    aspect = min(2.0, max(0.5, span_x / span_y))
    cols = max(2, math.ceil(math.sqrt(2 * len(zones) * aspect)))
    rows = max(2, math.ceil(2 * len(zones) / cols))
    target = {
        zid: ((x - min(xs)) / span_x * (cols - 1), (y - min(ys)) / span_y * (rows - 1))
        for zid, (x, y) in preferred.items()
    }
    free = {(c, r) for c in range(cols) for r in range(rows)}
    cells: dict[str, tuple[int, int]] = {}
    # Zones with their own coordinates choose first, each group in the order given.
    order = sorted(zones, key=lambda z: zones[z] is None)
    for zid in order:
        tx, ty = target[zid]
        cell = min(free, key=lambda c: ((c[0] - tx) ** 2 + (c[1] - ty) ** 2, c[1], c[0]))
        free.discard(cell)
        cells[zid] = cell
    # Close up empty columns and rows (order kept, so neighbours stay neighbours).
    used_cols = {c: i for i, c in enumerate(sorted({c for c, _ in cells.values()}))}
    used_rows = {r: i for i, r in enumerate(sorted({r for _, r in cells.values()}))}
    return {zid: (used_cols[c], used_rows[r]) for zid, (c, r) in cells.items()}


def zone_boxes(cells: Mapping[str, tuple[int, int]], origin: tuple[float, float]) -> dict[str, Box]:
    """The box of each zone on the canvas, from its cell, the grid starting at ``origin``."""
    return {
        zid: Box(origin[0] + c * (ZONE_W + GAP_X), origin[1] + r * (ZONE_H + GAP_Y), ZONE_W, ZONE_H)
        for zid, (c, r) in cells.items()
    }


def _curve(
    a: tuple[float, float], control: tuple[float, float], b: tuple[float, float], t: float
) -> tuple[float, float]:
    u = 1 - t
    return (
        u * u * a[0] + 2 * u * t * control[0] + t * t * b[0],
        u * u * a[1] + 2 * u * t * control[1] + t * t * b[1],
    )


def _marker_on(
    a: tuple[float, float],
    control: tuple[float, float],
    b: tuple[float, float],
    obstacles: Sequence[Box],
) -> tuple[float, float] | None:
    half, steps = MARKER / 2, 40
    for i in sorted(range(1, steps), key=lambda i: abs(i - steps / 2)):
        x, y = _curve(a, control, b, i / steps)
        if not any(Box(x - half, y - half, MARKER, MARKER).overlaps(o, 2.0) for o in obstacles):
            return (x, y)
    return None


def portal_route(
    a: Box, b: Box, boxes: Sequence[Box], markers: Sequence[Box]
) -> tuple[tuple[float, float], tuple[float, float]]:
    """The control point of the curve from zone ``a`` to zone ``b`` (the midpoint for a
    straight line) that passes under no other zone, and a marker spot on it clear of every
    box and of ``markers``."""
    (ax, ay), (bx, by) = a.centre, b.centre
    length = math.hypot(bx - ax, by - ay) or 1.0
    normal = (-(by - ay) / length, (bx - ax) / length)
    mid = ((ax + bx) / 2, (ay + by) / 2)
    others = [o for o in boxes if o not in (a, b)]
    obstacles = [*boxes, *markers]
    for bow in (0.0, 45.0, -45.0, 85.0, -85.0, 125.0, -125.0, 170.0, -170.0):
        # A quadratic curve bows out by half its control point's offset.
        control = (mid[0] + 2 * bow * normal[0], mid[1] + 2 * bow * normal[1])
        points = [_curve(a.centre, control, b.centre, i / 48) for i in range(49)]
        if any(Box(x - 3, y - 3, 6, 6).overlaps(o) for x, y in points for o in others):
            continue
        spot = _marker_on(a.centre, control, b.centre, obstacles)
        if spot is not None:
            return control, spot
    return mid, marker_spot(a.centre, b.centre, obstacles)


def marker_spot(
    a: tuple[float, float], b: tuple[float, float], obstacles: Sequence[Box]
) -> tuple[float, float]:
    """The point of segment a-b nearest its middle where a marker clears every obstacle,
    or failing that a point beside the middle that does."""
    mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    spot = _marker_on(a, mid, b, obstacles)
    if spot is not None:
        return spot
    half = MARKER / 2
    x, y = mid
    for k in range(1, 12):
        for dx, dy in ((0, -k * (MARKER + 4)), (0, k * (MARKER + 4))):
            if not any(
                Box(x + dx - half, y + dy - half, MARKER, MARKER).overlaps(o, 2.0)
                for o in obstacles
            ):
                return (x + dx, y + dy)
    return (x, y)
