"""``muster vessel|asset|map ...`` through Typer's runner (the sub-apps mounted as in main)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import typer
from click.testing import Result
from typer.testing import CliRunner

from muster.config import get_settings
from muster.db import Database
from muster.policy.actor import Actor
from muster.vessels.cli import asset_app, map_app, vessel_app

from .station import build_station

Invoke = Callable[..., Result]


@pytest.fixture
def muster(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    """Run the vessel, asset and map commands against the test database."""
    monkeypatch.setenv("MUSTER_DATABASE_URL", db.url)
    get_settings.cache_clear()
    app = typer.Typer()
    app.add_typer(vessel_app, name="vessel")
    app.add_typer(asset_app, name="asset")
    app.add_typer(map_app, name="map")
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, list(args))
    get_settings.cache_clear()


class TestVesselCommands:
    """A vessel is added, observed by hand, listed and drawn."""

    def test_observe_by_hand(self, muster: Invoke, tmp_path: Path) -> None:
        assert muster("vessel", "add", "Visitor", "--body", "venus").exit_code == 0
        first = muster(
            "vessel",
            "observe",
            "Visitor",
            "--at",
            "2025-05-14T06:00:00+00:00",
            "--r",
            "6451.8,0,0",
            "--v",
            "0,7.0958,0",
        )
        assert "baseline" in first.output, first.output
        burned = muster(
            "vessel",
            "observe",
            "Visitor",
            "--at",
            "2025-05-14T06:00:00+00:00",
            "--r",
            "6451.8,0,0",
            "--v",
            "0,7.1058,0",
        )
        assert "MANOEUVRE" in burned.output, burned.output
        assert "manoeuvre" in muster("vessel", "list").output
        out = tmp_path / "tracks.svg"
        assert muster("vessel", "tracks", "Visitor", "--out", str(out)).exit_code == 0
        assert out.read_text().startswith("<svg")

    def test_bad_vector(self, muster: Invoke) -> None:
        muster("vessel", "add", "Visitor", "--body", "venus")
        result = muster(
            "vessel",
            "observe",
            "Visitor",
            "--at",
            "2025-05-14T06:00:00+00:00",
            "--r",
            "6451.8,0",
            "--v",
            "0,7.0958,0",
        )
        assert result.exit_code == 1
        assert "three numbers" in result.output

    def test_garbled_element_set(self, muster: Invoke) -> None:
        muster("vessel", "add", "Visitor")
        line1 = "1 25544U 98067A   19343.69339541  .00001764  00000-0  38792-4 0  9991"
        line2 = "2 25544  51.6439 211.2001 0007417  17.6667  85.6398 15.50103472202483"
        result = muster("vessel", "observe", "Visitor", "--tle1", line1, "--tle2", line2)
        assert result.exit_code == 1
        assert "fails its checksum" in result.output
        assert "manoeuvre" not in muster("vessel", "observations", "Visitor").output


class TestAssetAndMapCommands:
    """The asset board and the map answer at the command line."""

    def test_asset_board(self, muster: Invoke) -> None:
        assert muster("asset", "add", "Long-range laser", "--kind", "laser").exit_code == 0
        changed = muster(
            "asset", "set", "Long-range laser", "--reason", "aligned", "--readiness", "degraded"
        )
        assert changed.exit_code == 0, changed.output
        assert "degraded" in muster("asset", "list").output

    def test_route_and_nearest(self, muster: Invoke, db: Database) -> None:
        with db.session_scope() as session:
            build_station(session, Actor.system("test"))
        route = muster("map", "route", "Hospital", "West collar")
        assert "Hospital door" in route.output, route.output
        assert "Dominic" in muster("map", "nearest", "West corridor").output
        walk = muster("map", "walk", "West airlock", "--seconds", "40", "--closed")
        assert walk.exit_code == 0, walk.output
        blocked = muster("map", "route", "Hospital", "West collar")
        assert blocked.exit_code == 1
        assert "West airlock (closed)" in blocked.output
