"""Tests for muster.auth.cli: ``muster user`` and ``muster token``."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from muster.auth import service
from muster.cli.main import app
from muster.config import get_settings
from muster.db import Database


@pytest.fixture
def cli_db(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """The test database, named to the CLI through MUSTER_DATABASE_URL."""
    monkeypatch.setenv("MUSTER_DATABASE_URL", db.url)
    get_settings.cache_clear()
    yield db
    get_settings.cache_clear()


def _run(*args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), input=input)
    return result.exit_code, result.output


class TestUserCommands:
    """``user create`` prints a one-time password that works; ``user passwd`` replaces it."""

    def test_create_then_passwd(self, cli_db: Database) -> None:
        """The printed password signs in; after passwd only the new one does."""
        code, out = _run("user", "create", "dominic", "--name", "Dominic", "--role", "officer")
        assert code == 0, out
        password = re.search(r"One-time password: (\S+)", out).group(1)  # type: ignore[union-attr]
        with cli_db.session_scope() as s:
            assert service.sign_in(s, username="dominic", password=password).account
        code, out = _run("user", "passwd", "dominic", input="a new long password\n" * 2)
        assert code == 0, out
        with cli_db.session_scope() as s:
            assert service.sign_in(s, username="dominic", password=password).account is None
            assert service.sign_in(s, username="dominic", password="a new long password").account

    def test_duplicate_user_fails_with_message(self, cli_db: Database) -> None:
        """A second account of the same name exits non-zero saying why."""
        _run("user", "create", "dominic", "--name", "Dominic")
        code, out = _run("user", "create", "dominic", "--name", "Dominic")
        assert code != 0
        assert "already exists" in out


class TestTokenCommands:
    """``token create`` prints a secret once; ``list`` shows metadata; ``revoke`` ends it."""

    def test_create_list_revoke(self, cli_db: Database) -> None:
        """The secret works until revoked; the list never shows it."""
        _run("user", "create", "south-post", "--name", "South post", "--role", "guard")
        code, out = _run("token", "create", "south-reader", "--user", "south-post")
        assert code == 0, out
        flat = out.replace("\n", "")  # the console may wrap the long secret
        secret = re.search(r"mst_[0-9a-f-]{36}_[\w-]{43}", flat).group(0)  # type: ignore[union-attr]
        with cli_db.session_scope() as s:
            assert service.token_actor(s, secret).name == "South post"
        code, out = _run("token", "list")
        assert code == 0
        assert "south-reader" in out
        assert secret not in out
        assert _run("token", "revoke", "south-reader")[0] == 0
        with cli_db.session_scope() as s, pytest.raises(Exception, match="revoked"):
            service.token_actor(s, secret)
