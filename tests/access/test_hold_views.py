"""``muster hold list`` reads holds through the API's own use case (``read_holds``): on the
policy the commander activated last, a medical hold's reason withheld from non-medics, and
without loading what only changes holds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from access.station import build_station
from access.test_holds import CLINICAL, screen
from muster.access import policy_store
from muster.auth import service as auth_service
from muster.cli.main import app
from muster.config import get_settings
from muster.db import Database
from muster.people.enums import Affiliation
from muster.policy.actor import Actor
from muster.policy.engine import install_engine, shipped_policy_text

Client = Callable[..., TestClient]
Invoke = Callable[..., Result]
PASSWORD = "correct horse battery"
COMMANDER = Actor(kind="account", id="acc-john", name="John", roles=frozenset({"commander"}))
NO_HOLD_READ = (
    '\n@id("op.test.no.hold.read")\nforbid (principal, action == Action::"hold.read", resource);\n'
)


@pytest.fixture
def muster(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    """Run ``muster`` commands against the test database, as a named account or not."""
    monkeypatch.setenv("MUSTER_DATABASE_URL", db.url)
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args: str, user: str | None = None) -> Result:
        env = {"MUSTER_USER": user, "MUSTER_PASSWORD": PASSWORD} if user else None
        return runner.invoke(app, list(args), env=env, terminal_width=200)

    yield invoke
    get_settings.cache_clear()


@pytest.fixture
def ana(db: Database) -> str:
    """The test station with Ana, a resident, in the South corridor; her id."""
    with db.session_scope() as s:
        st = build_station(s)
        return st.add_person("Ana", Affiliation.RESIDENT, zone="south").id


class TestPolicyInForce:
    """A command authorizes on the policy activated last, as every API request does."""

    def test_activated_policy_refuses_the_list_at_the_shell_and_over_http(
        self, db: Database, muster: Invoke, make_client: Client, ana: str
    ) -> None:
        make_client("commander", username="cora")
        assert muster("hold", "list", user="cora").exit_code == 0
        try:
            with db.session_scope() as s:
                row = policy_store.save_version(
                    s,
                    policy_text=shipped_policy_text() + NO_HOLD_READ,
                    comment="holds are read at the command post only",
                    actor=COMMANDER,
                )
                policy_store.activate_version(s, ref=row.id, actor=COMMANDER)
            install_engine(None)  # as a fresh process: the shipped policy in memory
            result = muster("hold", "list", user="cora")
            assert result.exit_code == 1, result.output
            assert "may not hold.read" in result.output
            assert make_client("commander").get("/api/v1/holds").status_code == 403
        finally:
            install_engine(None)

    def test_refusal_names_no_one(
        self, db: Database, muster: Invoke, make_client: Client, ana: str
    ) -> None:
        """Authorized before the person is looked up: the same refusal for anyone named."""
        make_client("commander", username="cora")
        try:
            with db.session_scope() as s:
                row = policy_store.save_version(
                    s,
                    policy_text=shipped_policy_text() + NO_HOLD_READ,
                    comment="x",
                    actor=COMMANDER,
                )
                policy_store.activate_version(s, ref=row.id, actor=COMMANDER)
            answers = [
                muster("hold", "list", "--person", who, user="cora").output
                for who in ("Ana", "Nobody Here")
            ]
            assert "may not hold.read" in answers[0]
            assert answers[0] == answers[1]
        finally:
            install_engine(None)


class TestClinicalPrivacy:
    """At the shell too, a medical hold's reason is for the medical roles only."""

    def test_observer_reads_who_placed_it_not_why(
        self, muster: Invoke, make_client: Client, ana: str
    ) -> None:
        medic = make_client("medic", username="maria")
        make_client("observer", username="olga")
        screen(medic, ana, "positive")
        seen = muster("hold", "list", user="olga")
        assert seen.exit_code == 0, seen.output
        # Rich wraps the table's cells to the terminal: compare the words.
        assert {"medical", "hold,", "placed", "by", "maria"} <= set(seen.output.split())
        assert "nanite" not in seen.output
        clinical = muster("hold", "list", "--person", "B-Ana", user="maria")
        assert set(CLINICAL.split()) <= set(clinical.output.split())
        assert "1 hold(s)." in clinical.output

    def test_unknown_person_is_a_message(self, muster: Invoke, make_client: Client) -> None:
        make_client("observer", username="olga")
        result = muster("hold", "list", "--person", "Nobody Here", user="olga")
        assert result.exit_code == 1
        assert "no person with id, badge or name 'Nobody Here'" in result.output


# What only changing holds, serving the API or signing in with a password needs.
HEAVY = (
    "pydantic",
    "pydantic_settings",
    "argon2",
    "fastapi",
    "muster.access.holds",
    "muster.access.policy_store",
    "muster.access.schemas",
    "muster.events.service",
    "muster.medical",
    "muster.people.service",
    "muster.auth.service",
)
PROBE = f"""
import json, sys
from muster.cli.main import main
sys.argv = ["muster", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
heavy = sorted(m for m in sys.modules if m.startswith({HEAVY!r}))
print("PROBE " + json.dumps({{"code": code, "heavy": heavy}}))
"""


class TestLightPath:
    """The listing command loads only what listing needs, so it answers at once at a post."""

    def test_hold_list_loads_nothing_that_changes_holds(self, db: Database, ana: str) -> None:
        with db.session_scope() as s:
            assert auth_service.ensure_first_admin(s)  # the local administrator acts
        env = {k: v for k, v in os.environ.items() if not k.startswith("MUSTER_")}
        env["MUSTER_DATABASE_URL"] = db.url
        for args in (["hold", "list"], ["hold", "list", "--person", "B-Ana", "--all"]):
            done = subprocess.run(
                [sys.executable, "-c", PROBE, *args],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            assert "PROBE " in done.stdout, done.stderr
            probe = json.loads(done.stdout.split("PROBE ", 1)[1])
            assert probe["code"] == 0, done.stderr
            assert "0 hold(s)." in done.stdout
            assert probe["heavy"] == [], args
