"""Reading accounts and tokens (``muster.auth.accounts``): the token list is an
administrator's at the shell as over HTTP, and a visiting party's account acts with no role."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from muster.auth.accounts import actor_for, get_account_by_username, station_roles
from muster.cli.main import app
from muster.config import get_settings
from muster.db import Database
from muster.errors import NotFound

Client = Callable[..., TestClient]
Invoke = Callable[..., Result]
PASSWORD = "correct horse battery"


@pytest.fixture
def muster(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    """Run ``muster`` commands against the test database as a named account."""
    monkeypatch.setenv("MUSTER_DATABASE_URL", db.url)
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args: str, user: str) -> Result:
        env = {"MUSTER_USER": user, "MUSTER_PASSWORD": PASSWORD}
        return runner.invoke(app, list(args), env=env, terminal_width=200)

    yield invoke
    get_settings.cache_clear()


class TestTokenList:
    """Only an administrator lists the station's API tokens, on every path."""

    def test_observer_refused_at_the_shell_and_over_http(
        self, muster: Invoke, make_client: Client
    ) -> None:
        observer = make_client("observer", username="olga")
        result = muster("token", "list", user="olga")
        assert result.exit_code == 1
        assert "may not token.manage" in result.output
        assert "t-olga" not in result.output
        assert observer.get("/api/v1/tokens").status_code == 403

    def test_administrator_lists_names_never_secrets(
        self, muster: Invoke, make_client: Client
    ) -> None:
        make_client("observer", username="olga")
        admin = make_client("admin", username="ada")
        result = muster("token", "list", user="ada")
        assert result.exit_code == 0, result.output
        assert {"t-olga", "t-ada"} <= set(result.output.split())
        secret = admin.headers["Authorization"].removeprefix("Bearer ")
        assert secret not in result.output
        names = [t["name"] for t in admin.get("/api/v1/tokens").json()]
        assert {"t-olga", "t-ada"} <= set(names)


class TestActor:
    """The actor an account acts as carries its roles, none while of the visiting party."""

    def test_roles_of_a_station_account(self, db: Database, make_client: Client) -> None:
        make_client("guard", "medic", username="gus")
        with db.session_scope(write=False) as s:
            actor = actor_for(get_account_by_username(s, "gus"))
        assert actor.roles == frozenset({"guard", "medic"})
        assert actor.kind == "account"

    def test_visiting_party_holds_no_role(self) -> None:
        assert station_roles(["officer"], "visitor", "party-1") == frozenset()
        assert station_roles(["officer"], "crew", None) == frozenset({"officer"})

    def test_unknown_account(self, db: Database) -> None:
        with db.session_scope(write=False) as s, pytest.raises(NotFound, match="nobody"):
            get_account_by_username(s, "nobody")
