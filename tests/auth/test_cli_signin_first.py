"""At the command line the account signs in before anything is read (P5, issue 20).

A wrong password is refused with the same words whether or not the person named exists:
nothing on record is looked up for a caller who has not signed in.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import typer
from typer.testing import CliRunner

from comms.station import Station, build_station
from muster.access.cli import access_app, hold_app
from muster.auth.service import create_account
from muster.config import get_settings
from muster.db import Database
from muster.people.cli import person_app
from muster.policy.actor import Actor
from muster.welfare.cli import welfare_app

PASSWORD = "correct horse battery"


@pytest.fixture
def wrong_password(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Station]:
    """A station with an observer account, and the CLI signing in as it with a wrong password."""
    with db.session_scope() as session:
        crew = build_station(session)
        create_account(
            session,
            username="obs",
            display_name="Obs",
            roles=["observer"],
            password=PASSWORD,
            actor=Actor.system("test"),
        )
    monkeypatch.setenv("MUSTER_DATABASE_URL", db.url)
    monkeypatch.setenv("MUSTER_USER", "obs")
    monkeypatch.setenv("MUSTER_PASSWORD", "not the password at all")
    get_settings.cache_clear()
    yield crew
    get_settings.cache_clear()


COMMANDS: list[tuple[str, typer.Typer, list[str]]] = [
    ("person update", person_app, ["update", "{who}", "--notes", "x"]),
    ("person delete", person_app, ["delete", "{who}"]),
    ("welfare revoke", welfare_app, ["revoke", "{who}", "--statement", "x"]),
    ("hold list", hold_app, ["list", "--person", "{who}"]),
    ("access duty-pass", access_app, ["duty-pass", "{who}", "--purpose", "x"]),
]


@pytest.mark.parametrize(("label", "app", "args"), COMMANDS, ids=[c[0] for c in COMMANDS])
def test_a_wrong_password_learns_nothing(
    wrong_password: Station, label: str, app: typer.Typer, args: list[str]
) -> None:
    """The same refusal for a person on record and for a name nobody has."""
    answers = []
    for who in ("Lisa", "Nobody Here"):
        result = CliRunner().invoke(app, [a.format(who=who) for a in args], terminal_width=200)
        assert result.exit_code == 1, (label, result.output)
        answers.append(result.output)
    assert "sign-in as obs refused" in answers[0]
    assert answers[0] == answers[1]
