"""``muster scenario run/check`` and ``muster demo --headless`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from muster.cli.main import app
from muster.db import Database
from muster.events.service import last_seq
from muster.people.service import find_person
from scenario.conftest import write
from scenario.station import ScenarioText

pytestmark = pytest.mark.slow  # runs early: see pytest_collection_modifyitems

runner = CliRunner()


class TestCheck:
    """``scenario check`` validates only."""

    def test_valid_file(self) -> None:
        result = runner.invoke(app, ["scenario", "check", "scenarios/crisis.yaml"])
        assert result.exit_code == 0, result.output
        assert "is valid" in result.output

    def test_refused_file_names_the_line(self, tmp_path: Path, scenario_text: ScenarioText) -> None:
        path = write(
            tmp_path,
            scenario_text('- {at: "+00:01:00", actor: zed, action: log.note, text: Hi.}\n'),
        )
        result = runner.invoke(app, ["scenario", "check", str(path)])
        assert result.exit_code == 2
        assert f"{path}:" in result.output
        assert "timeline[0].actor" in result.output


class TestRun:
    """``scenario run`` runs on the configured database or a throwaway one."""

    def test_failing_expectation_exits_1_with_passed_false(
        self, tmp_path: Path, scenario_text: ScenarioText
    ) -> None:
        path = write(
            tmp_path,
            scenario_text(
                expect="""\
                - {name: Chain, check: audit.verifies}
                - {name: Too many crew, check: person.count, affiliation: crew, equals: 40}
                """
            ),
        )
        result = runner.invoke(app, ["scenario", "run", str(path), "--throwaway", "--json"])
        assert result.exit_code == 1
        outcome = json.loads(result.stdout)
        assert outcome["passed"] is False
        assert [(e["name"], e["held"]) for e in outcome["expectations"]] == [
            ("Chain", True),
            ("Too many crew", False),
        ]
        assert outcome["expectations"][1]["detail"] == "2 crew persons; expected exactly 40"

    def test_summary_table(self, tmp_path: Path, scenario_text: ScenarioText) -> None:
        path = write(
            tmp_path,
            scenario_text(
                '- {at: "+00:01:00", actor: anna, action: log.note, text: Drill begins.}\n',
                "- {name: Chain, check: audit.verifies}\n",
            ),
        )
        result = runner.invoke(app, ["scenario", "run", str(path), "--throwaway"])
        assert result.exit_code == 0, result.output
        assert "Drill begins." in result.output
        assert "PASSED: 1 of 1 expectations held." in result.output

    def test_malformed_file_runs_nothing(
        self, tmp_path: Path, database_url: str, scenario_text: ScenarioText
    ) -> None:
        path = write(tmp_path, scenario_text("- {at: soon, actor: anna, action: log.note}\n"))
        result = runner.invoke(app, ["scenario", "run", str(path), "--json"])
        assert result.exit_code == 2
        assert "timeline[0].at" in json.loads(result.stdout)["error"]
        assert not (tmp_path / "drill.db").exists()

    def test_result_stays_in_the_configured_database(
        self, tmp_path: Path, database_url: str, scenario_text: ScenarioText
    ) -> None:
        path = write(tmp_path, scenario_text())
        result = runner.invoke(app, ["scenario", "run", str(path)])
        assert result.exit_code == 0, result.output
        assert "anna: drill-password-1" in result.output
        assert "admin: " in result.output
        db = Database(database_url)
        try:
            with db.session_scope(write=False) as session:
                assert find_person(session, "Resident 003").name == "Resident 003"
                assert last_seq(session) > 10
        finally:
            db.dispose()

    def test_stopped_run_exits_1(self, tmp_path: Path, scenario_text: ScenarioText) -> None:
        path = write(
            tmp_path,
            scenario_text(
                '- {at: "+00:01:00", actor: anna, action: person.update,'
                " person: Nobody, status: missing}\n"
            ),
        )
        result = runner.invoke(app, ["scenario", "run", str(path), "--throwaway"])
        assert result.exit_code == 1
        assert "refused: no person" in result.output


class TestDemo:
    """``muster demo --headless`` replays the reference crisis and checks it."""

    def test_headless_json_passes(self, tmp_path: Path) -> None:
        database = tmp_path / "demo" / "muster-demo.db"
        args = ["demo", "--headless", "--json", "--database", str(database)]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        outcome = json.loads(result.stdout)
        assert outcome["passed"] is True
        assert len(outcome["expectations"]) >= 5
        assert all(e["held"] for e in outcome["expectations"])
        first_size = database.stat().st_size
        again = runner.invoke(app, args)  # the database is recreated, not added to
        assert again.exit_code == 0, again.output
        assert json.loads(again.stdout)["events"] == outcome["events"]
        assert database.stat().st_size == pytest.approx(first_size, rel=0.5)
