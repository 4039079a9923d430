"""``muster zone|portal|post ...`` through Typer's runner."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from click.testing import Result
from typer.testing import CliRunner

from muster.cli.main import app
from muster.config import get_settings
from muster.db import Database
from muster.places import service

Invoke = Callable[..., Result]


@pytest.fixture
def muster(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    """Run ``muster`` commands against the test database."""
    monkeypatch.setenv("MUSTER_DATABASE_URL", db.url)
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, list(args))
    get_settings.cache_clear()


@pytest.fixture
def station(muster: Invoke) -> None:
    """A hub, a collar with the visitors docked, an airlock, a post and a guard."""
    commands = [
        ("party", "add", "Vessel", "--kind", "vessel"),
        ("zone", "add", "Hub", "--kind", "internal"),
        ("zone", "add", "Ward", "--kind", "internal"),
        ("zone", "add", "Collar", "--kind", "collar", "--docked", "Vessel"),
        ("portal", "add", "South", "--kind", "airlock", "--inside", "Hub", "--outside", "Collar"),
        ("post", "add", "Spost", "--portal", "South"),
        ("person", "add", "Ken", "--affiliation", "crew"),
    ]
    for command in commands:
        result = muster(*command)
        assert result.exit_code == 0, result.output


class TestPlaceCommands:
    """Zones, portals and posts are added, listed and shown by name."""

    def test_listing_and_showing(self, muster: Invoke, station: None) -> None:
        assert "Vessel" in muster("zone", "list", "--kind", "collar").output
        assert "1 of 1 shown" in muster("zone", "list", "--kind", "collar").output
        assert "airlock South" in muster("zone", "show", "Hub").output
        shown = muster("portal", "show", "South").output
        assert "outside: Collar" in shown
        assert "post Spost" in shown
        assert "1 of 1 shown" in muster("portal", "list", "--zone", "Collar").output
        assert "0 of 0 shown" in muster("portal", "list", "--kind", "door").output
        assert "1 of 1 shown" in muster("post", "list", "--portal", "South").output

    def test_refusals_are_messages(self, muster: Invoke, db: Database, station: None) -> None:
        result = muster(
            "portal", "add", "Bad", "--kind", "door", "--inside", "Hub", "--outside", "Collar"
        )
        assert result.exit_code == 1
        assert "joins two internal zones" in result.output
        result = muster("zone", "add", "Hub", "--kind", "internal")
        assert result.exit_code == 1
        assert "already registered" in result.output
        assert muster("post", "add", "W", "--portal", "Nowhere").exit_code == 1
        with db.session_scope(write=False) as session:
            assert service.list_portals(session, limit=10, offset=0)[1] == 1
            assert service.list_zones(session, limit=10, offset=0)[1] == 3
            assert service.list_posts(session, limit=10, offset=0)[1] == 1


class TestPostAssignment:
    """Persons are assigned to posts and taken off by name."""

    def test_assign_and_unassign(self, muster: Invoke, db: Database, station: None) -> None:
        assert muster("post", "assign", "Spost", "Ken").exit_code == 0
        assert "- Ken (active)" in muster("post", "show", "Spost").output
        again = muster("post", "assign", "Spost", "Ken")
        assert again.exit_code == 1
        assert "already assigned" in again.output
        with db.session_scope(write=False) as session:
            post = service.find_post(session, "Spost")
            assert [p.name for p in service.post_members(session, post.id)] == ["Ken"]
        assert muster("post", "unassign", "Spost", "Ken").exit_code == 0
        assert "assigned: 0" in muster("post", "show", "Spost").output
        assert muster("post", "unassign", "Spost", "Ken").exit_code == 1
