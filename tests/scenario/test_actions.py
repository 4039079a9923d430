"""Domains extend the inject and expectation vocabularies by registering handlers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from muster.db import Database
from muster.events.service import append_event
from muster.scenario import actions, checks
from muster.scenario.actions import ActionArgs, ActionContext, load_extensions, register_action
from muster.scenario.checks import CheckArgs, CheckContext, CheckResult, register_check
from muster.scenario.loader import ScenarioError, parse_scenario
from muster.scenario.runner import run_plan
from scenario.station import ScenarioText


@pytest.fixture
def clean_registries() -> Iterator[None]:
    """Registrations made by a test are removed afterwards."""
    load_extensions()  # the built-ins register once, on first import: keep them
    saved_actions, saved_checks = dict(actions.ACTIONS), dict(checks.CHECKS)
    yield
    actions.ACTIONS.clear()
    actions.ACTIONS.update(saved_actions)
    checks.CHECKS.clear()
    checks.CHECKS.update(saved_checks)


class SignalArgs(ActionArgs):
    """Arguments of the test action."""

    code: int


class SignalCountArgs(CheckArgs):
    """Arguments of the test check."""

    code: int


@pytest.mark.usefixtures("clean_registries")
class TestRegistration:
    """A registered action and check are usable in a file, their arguments checked."""

    def register(self) -> None:
        @register_action("test.signal", permission="registry.write")
        def send_signal(ctx: ActionContext, args: SignalArgs) -> str:
            append_event(
                ctx.session,
                kind="test.signal.sent",
                actor=ctx.actor,
                payload={"code": args.code, "at": ctx.at},
            )
            return f"signal {args.code}"

        @register_check("test.signal.seen")
        def signal_seen(ctx: CheckContext, args: SignalCountArgs) -> CheckResult:
            from muster.events.service import EventFilter, list_events

            rows, _ = list_events(ctx.session, flt=EventFilter(kind="test.signal.sent"))
            return CheckResult(any(r.payload["code"] == args.code for r in rows), "looked")

    def test_registered_action_runs_and_check_judges(
        self, db: Database, scenario_text: ScenarioText
    ) -> None:
        self.register()
        text = scenario_text(
            '- {at: "+00:00:05", actor: anna, action: test.signal, code: 7}\n',
            """\
            - {name: Seen, check: test.signal.seen, code: 7}
            - {name: Not seen, check: test.signal.seen, code: 8}
            """,
        )
        start = datetime(2031, 1, 1, tzinfo=UTC)
        report = run_plan(db, parse_scenario(text), start=start)
        assert report.injects[0].detail == "signal 7"
        assert [e.held for e in report.expectations] == [True, False]

    def test_arguments_checked_before_running(self, scenario_text: ScenarioText) -> None:
        self.register()
        text = scenario_text('- {at: "+00:00:05", actor: anna, action: test.signal, code: x}\n')
        with pytest.raises(ScenarioError, match=r"timeline\[0\]\.code"):
            parse_scenario(text)

    def test_permission_is_enforced(self, db: Database, scenario_text: ScenarioText) -> None:
        self.register()
        text = scenario_text(
            '- {at: "+00:00:05", actor: ben, action: test.signal, code: 1, refused: true}\n'
        )
        report = run_plan(db, parse_scenario(text), start=datetime(2031, 1, 1, tzinfo=UTC))
        assert report.injects[0].refused

    def test_second_handler_for_a_name_is_refused(self) -> None:
        self.register()

        def other(ctx: ActionContext, args: SignalArgs) -> None:
            return None

        with pytest.raises(ValueError, match="registered twice"):
            register_action("test.signal")(other)

    def test_handler_without_an_arguments_model_is_refused(self) -> None:
        def untyped(ctx, args):  # type: ignore[no-untyped-def]
            return None

        with pytest.raises(TypeError, match="pydantic model"):
            register_action("test.untyped")(untyped)


class TestExtensions:
    """Every domain's actions and checks are imported plainly: none is silently absent."""

    def test_every_domain_registers_its_actions(self) -> None:
        """Loading the extensions registers the builtins and each domain's actions."""
        load_extensions()
        assert "log.note" in actions.ACTIONS
        assert "audit.verifies" in checks.CHECKS
        domains = {name.split(".")[0] for name in actions.ACTIONS}
        expected = {"access", "agreement", "comms", "incident", "logistics", "medical"}
        assert expected | {"vessel", "welfare"} <= domains
