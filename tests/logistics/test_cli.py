"""``muster stock ...`` and ``muster workorder ...`` through Typer's runner."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import typer
from click.testing import Result
from typer.testing import CliRunner

from muster.config import get_settings
from muster.db import Database
from muster.logistics.cli import stock_app, workorder_app
from muster.policy.actor import Actor

from .conftest import build_station

Invoke = Callable[..., Result]


@pytest.fixture
def muster(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    """Run the logistics commands against the test database with a station in it."""
    monkeypatch.setenv("MUSTER_DATABASE_URL", db.url)
    get_settings.cache_clear()
    with db.session_scope() as session:
        build_station(session, Actor.system("test"))
    app = typer.Typer()
    app.add_typer(stock_app, name="stock")
    app.add_typer(workorder_app, name="workorder")
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, list(args))
    get_settings.cache_clear()


class TestStockCommands:
    """Items, receipts, levels and CSV from the command line."""

    def test_receive_and_list(self, muster: Invoke) -> None:
        """A received rifle shows at the armory."""
        assert muster("stock", "add-item", "Rifle", "--kind", "weapon", "--tracked").exit_code == 0
        result = muster("stock", "receive", "Rifle", "--at", "zone:Armory", "--serial", "R-1")
        assert result.exit_code == 0, result.output
        levels = muster("stock", "levels", "--at", "zone:Armory")
        assert "Rifle" in levels.output

    def test_unknown_place_fails_plainly(self, muster: Invoke) -> None:
        """A place that does not exist ends the command with its name in the message."""
        muster("stock", "add-item", "Sheet", "--kind", "material")
        result = muster("stock", "receive", "Sheet", "--at", "zone:Moon", "--quantity", "1")
        assert result.exit_code == 1
        assert "Moon" in result.output

    def test_bad_csv_names_the_row(self, muster: Invoke, tmp_path: Path) -> None:
        """An import with a bad row fails, naming it, and creates nothing."""
        path = tmp_path / "stock.csv"
        path.write_text(
            "item,kind,unit,tracked,reorder_level,location_kind,location,quantity,serial\n"
            "Gel,material,l,false,0,zone,Armory,-2,\n"
        )
        result = muster("stock", "import", str(path))
        assert result.exit_code == 1
        assert "row 2" in result.output
        assert "Gel" not in muster("stock", "items").output

    def test_export_writes_file(self, muster: Invoke, tmp_path: Path) -> None:
        """The export holds the header and the stock."""
        muster("stock", "add-item", "Sheet", "--kind", "material")
        muster("stock", "receive", "Sheet", "--at", "zone:Armory", "--quantity", "2.5")
        path = tmp_path / "out.csv"
        assert muster("stock", "export", str(path)).exit_code == 0
        assert "Sheet,material,each,false,0,zone,Armory,2.5," in path.read_text()


class TestWorkOrderCommands:
    """Work orders from the command line."""

    def test_list_empty(self, muster: Invoke) -> None:
        """With no work orders the list is empty but succeeds."""
        result = muster("workorder", "list")
        assert result.exit_code == 0
