"""The map layout: any set of zones, with or without positions, gets boxes that never overlap."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from muster.vessels.maplayout import (
    MARKER,
    Box,
    fit_lines,
    grid_cells,
    portal_route,
    text_width,
    zone_boxes,
)

position = st.none() | st.tuples(
    st.floats(-100, 100, allow_nan=False), st.floats(-100, 100, allow_nan=False)
)
zone_sets = st.dictionaries(st.text("abcdef", min_size=1, max_size=4), position, max_size=24)


class TestGrid:
    """Each zone gets its own cell, so no two boxes overlap and no marker sits on a box."""

    @given(zone_sets, st.data())
    @settings(max_examples=60, deadline=None)
    def test_boxes_and_markers_never_overlap(
        self, zones: dict[str, tuple[float, float] | None], data: st.DataObject
    ) -> None:
        names = sorted(zones)
        edges = (
            data.draw(st.lists(st.tuples(st.sampled_from(names), st.sampled_from(names))))
            if names
            else []
        )
        edges = [(a, b) for a, b in edges if a != b]
        cells = grid_cells(zones, edges)
        assert set(cells) == set(zones)
        assert len(set(cells.values())) == len(cells)
        boxes = zone_boxes(cells, (0.0, 0.0))
        placed = list(boxes.values())
        for i, a in enumerate(placed):
            assert not any(a.overlaps(b) for b in placed[i + 1 :])
        markers: list[Box] = []
        for a, b in edges:
            _control, (x, y) = portal_route(boxes[a], boxes[b], placed, markers)
            spot = Box(x - MARKER / 2, y - MARKER / 2, MARKER, MARKER)
            assert not any(spot.overlaps(o) for o in placed)
            markers.append(spot)

    def test_same_position_two_cells(self) -> None:
        """Two zones given the very same position still get cells of their own."""
        cells = grid_cells({"a": (1.0, 1.0), "b": (1.0, 1.0)}, [])
        assert cells["a"] != cells["b"]

    def test_positions_keep_their_order(self) -> None:
        """A zone west of another on the station is west of it on the map."""
        cells = grid_cells({"west": (2.0, 60.0), "corridor": (15.0, 60.0), "ring": (40, 60)}, [])
        assert cells["west"][0] < cells["corridor"][0] < cells["ring"][0]


class TestText:
    """Long names break into two lines at a word boundary."""

    def test_long_name_breaks(self) -> None:
        lines = fit_lines("Hydroponics and life support maintenance bay", 13, 160, bold=True)
        assert len(lines) == 2
        assert " ".join(lines) == "Hydroponics and life support maintenance bay"

    def test_short_name_one_line(self) -> None:
        assert fit_lines("Gym", 13, 160) == ["Gym"]
        assert text_width("MMMM", 10) > text_width("iiii", 10)


class TestAwkwardPositions:
    """Zones placed on top of each other or far apart still get cells of their own."""

    def test_fixed_zones_that_overflow_the_spring_layout(self) -> None:
        """A subnormal coordinate once overflowed the spring layout (found by hypothesis)."""
        zones: dict[str, tuple[float, float] | None] = {"aa": None, "a": (0.0, 2.2250738585e-313)}
        cells = grid_cells(zones, [("a", "aa")])
        assert set(cells) == set(zones)
        assert len(set(cells.values())) == len(cells)
