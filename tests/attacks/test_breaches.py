"""Breaches found by probing the newer entry points as a hostile operator, each refused now.

Each test is one path around a promise that worked on main before its fix (issue 14).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import Result
from typer.testing import CliRunner

from attacks.world import World, expect
from muster.auth.service import create_account, sign_in
from muster.cli.main import app
from muster.config import get_settings
from muster.db import Database
from muster.policy.actor import Actor

PASSWORD = "correct horse battery"
TAKEN_OVER = "the guard's own words now"


@pytest.fixture
def shell(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """The command line on the test database, with a commander's and a guard's account."""
    monkeypatch.setenv("MUSTER_DATABASE_URL", db.url)
    for name in ("MUSTER_USER", "MUSTER_PASSWORD", "MUSTER_MODE"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    with db.session_scope() as session:
        for username, roles in (("cora", ["commander"]), ("gus", ["guard"])):
            create_account(
                session,
                username=username,
                display_name=username.title(),
                roles=roles,
                password=PASSWORD,
                actor=Actor.system("test"),
            )
    yield CliRunner()
    get_settings.cache_clear()


def _as(runner: CliRunner, user: str, *args: str) -> Result:
    env = {"MUSTER_USER": user, "MUSTER_PASSWORD": PASSWORD}
    return runner.invoke(app, list(args), env=env, terminal_width=300)


def _signs_in(db: Database, username: str, password: str) -> bool:
    with db.session_scope() as session:
        outcome = sign_in(session, username=username, password=password, address="test")
        return outcome.account is not None


class TestPasswordOfAnother:
    """P5: ``muster user passwd`` set any account's password for any signed-in account, so a
    guard could take over the commander's account and act in the commander's name."""

    def test_a_guard_cannot_set_the_commanders_password(
        self, shell: CliRunner, db: Database
    ) -> None:
        result = _as(shell, "gus", "user", "passwd", "cora", "--password", TAKEN_OVER)
        assert result.exit_code == 1, result.output
        assert "may not account.manage" in result.output
        assert _signs_in(db, "cora", PASSWORD)
        assert not _signs_in(db, "cora", TAKEN_OVER)

    def test_the_refusal_tells_nothing_of_who_has_an_account(self, shell: CliRunner) -> None:
        answers = [
            _as(shell, "gus", "user", "passwd", name, "--password", "short").output
            for name in ("cora", "nobody-at-all")
        ]
        assert "may not account.manage" in answers[0]
        assert answers[0].replace("cora", "X") == answers[1].replace("nobody-at-all", "X")

    def test_an_account_sets_its_own(self, shell: CliRunner, db: Database) -> None:
        result = _as(shell, "gus", "user", "passwd", "gus", "--password", TAKEN_OVER)
        assert result.exit_code == 0, result.output
        assert _signs_in(db, "gus", TAKEN_OVER)


class TestHelpInTheCallersName:
    """P5: a call for help from a post opened its paging channel in the name of a station
    process (``posts-help``), not of the guard who called; the record now names her."""

    def test_the_help_channel_is_the_callers(self, world: World) -> None:
        guard = world.operators["guard"]
        world.new_events()
        url = f"/api/v1/posts/{world.ids['post']}/help"
        expect(guard.client.post(url, json={"text": "shots at the airlock"}), 201)
        made = [e for e in world.new_events() if e["kind"] == "comms.channel.created"]
        assert [e["actor_id"] for e in made] == [guard.token_id]


class TestNoResendToTheVisitingParty:
    """P6: escalation re-sent an unanswered order to a person who had joined the visiting
    party since it was sent (found by the attack machine's long run)."""

    def test_the_resend_skips_who_left_for_the_vessel(self, world: World) -> None:
        ana = world.person("Ana Resend", "resident", "south")
        commander = world.operators["commander"].client
        order = {"channel_id": world.ids["channel-all"], "text": "muster", "precedence": "flash"}
        sent = expect(commander.post("/api/v1/comms/messages", json=order), 201)
        moved = {"party_id": world.ids["vessel"]}
        expect(commander.patch(f"/api/v1/persons/{ana['id']}", json=moved), 200)
        world.new_events()
        result = CliRunner().invoke(app, ["comms", "escalate"])
        assert result.exit_code == 0, result.output
        resent = [
            e
            for e in world.new_events()
            if e["kind"] == "comms.message.resent" and e["payload"]["id"] == sent["id"]
        ]
        assert resent, "the order was not re-sent at all"
        assert ana["id"] not in resent[0]["payload"]["recipients"]
        assert resent[0]["payload"]["recipients"], "the station's silent are still re-sent to"

    def test_a_large_audiences_resend_skips_them_at_the_handset(
        self, world: World, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Too many recipients to name in the event: the handsets' hub reads them from the
        database, and reads the same rule (it had re-sent to everyone still silent)."""
        from muster.comms import service as comms_service
        from muster.comms.hub import HandsetHub

        monkeypatch.setattr(comms_service, "EVENT_RECIPIENT_LIMIT", 0)
        ana = world.person("Ana Resend", "resident", "south")
        commander = world.operators["commander"].client
        order = {"channel_id": world.ids["channel-all"], "text": "muster", "precedence": "flash"}
        sent = expect(commander.post("/api/v1/comms/messages", json=order), 201)
        expect(
            commander.patch(f"/api/v1/persons/{ana['id']}", json={"party_id": world.ids["vessel"]}),
            200,
        )
        world.new_events()
        result = CliRunner().invoke(app, ["comms", "escalate"])
        assert result.exit_code == 0, result.output
        resent = [
            e
            for e in world.new_events()
            if e["kind"] == "comms.message.resent" and e["payload"]["id"] == sent["id"]
        ]
        assert resent, "the order was not re-sent at all"
        assert "recipients" not in resent[0]["payload"]
        hub = HandsetHub(world.db)
        reached = hub._recipients(sent["id"], "comms.message.resent")
        assert reached, "the station's silent are still re-sent to"
        assert ana["id"] not in reached
