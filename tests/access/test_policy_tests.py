"""Policy test cases run like opa test, and what-if shows who a draft decides differently."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from access.station import Station
from muster.access.decisions import decide_request
from muster.access.enums import Direction, HoldKind
from muster.access.holds import place_hold
from muster.access.policy_cli import policy_app
from muster.access.policy_store import build_engine, shipped_engine
from muster.access.policy_tests import load_cases, run_case, run_cases
from muster.access.whatif import whatif
from muster.db import Database
from muster.people.enums import Affiliation
from muster.policy.actor import Actor

CASES = Path(__file__).parent / "policy_cases"
GUARD = Actor(kind="account", id="acc-guard", name="Guard", roles=frozenset({"guard"}))
MEDIC = Actor(kind="account", id="acc-medic", name="Medic", roles=frozenset({"medic"}))


def weakened() -> str:
    """The shipped policy with the hold rule limited to residents (a mistake to catch)."""
    text = shipped_engine().policy_text
    return text.replace(
        "when { principal.held };",
        'when { principal.held && principal.affiliation == "resident" };',
    )


class TestCases:
    """Shipped cases pass on the default policy; a weakened policy fails with its rules."""

    def test_shipped_cases_pass(self) -> None:
        results = run_cases(shipped_engine(), load_cases(CASES))
        assert [r.message for r in results if not r.passed] == []

    def test_failure_names_deciding_rules(self) -> None:
        results = run_cases(build_engine(weakened()), load_cases(CASES))
        failed = [r for r in results if not r.passed]
        assert [r.name for r in failed] == ["a held visitor stays"]
        assert "exit.visitor.own-vessel" in failed[0].message

    def test_unknown_attribute_is_a_bad_case(self) -> None:
        result = run_case(shipped_engine(), {"name": "x", "person": {"rank": 1}, "expect": "deny"})
        assert not result.passed
        assert "unknown Person attribute" in result.message


class TestCli:
    """muster policy test exits non-zero on a failure, zero otherwise."""

    def test_exit_codes(
        self, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("MUSTER_DATABASE_URL", db.url)
        runner = CliRunner()
        ok = runner.invoke(policy_app, ["test", str(CASES), "--version", "shipped"])
        assert ok.exit_code == 0, ok.output
        draft = tmp_path / "draft.cedar"
        draft.write_text(weakened())
        bad = runner.invoke(policy_app, ["test", str(CASES), "--policy", str(draft)])
        assert bad.exit_code == 1
        assert "a held visitor stays" in " ".join(bad.output.split())


class TestWhatIf:
    """A draft's differences show in the population and in the decision log."""

    def test_weakened_hold_rule(self, station: Station, session: Session) -> None:
        zane = station.add_person("Zane", Affiliation.VISITOR, party=station.vessel, zone="south")
        station.add_person("Kito", Affiliation.VISITOR, party=station.vessel, zone="south")
        place_hold(session, person_id=zane.id, kind=HoldKind.MEDICAL, reason="wounded", actor=MEDIC)
        decide_request(
            session,
            portal_id="South airlock",
            person_refs=["Zane", "Kito"],
            direction=Direction.EXIT,
            actor=GUARD,
        )
        result = whatif(session, current=shipped_engine(), draft=build_engine(weakened()))
        changed = {(c.source, c.person, c.portal) for c in result.changes}
        assert changed == {
            ("population", "Zane", "South airlock"),
            ("population", "Zane", "West airlock"),
            ("log", "Zane", "South airlock"),
        }
        assert all(c.after and not c.before for c in result.changes)
        assert result.checked_log == 2
