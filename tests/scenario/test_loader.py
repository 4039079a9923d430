"""Scenario files are checked before anything runs, and faults are named by line."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from muster.scenario.loader import ScenarioError, load_scenario, parse_scenario
from muster.scenario.model import parse_offset
from scenario.station import STATION, ScenarioText


def line_of(text: str, snippet: str) -> int:
    """The 1-based line where ``snippet`` first appears in ``text``."""
    return text[: text.index(snippet)].count("\n") + 1


def refusal(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "drill.yaml")
    return caught.value


class TestValidFile:
    """A correct file becomes a plan with its persons, injects and expectations."""

    def test_small_station_is_accepted(self, scenario_text: ScenarioText) -> None:
        text = scenario_text(
            """\
            - {at: "+00:01:00", actor: anna, action: log.note, text: Drill started.}
            """,
            """\
            - {name: Chain holds, check: audit.verifies}
            """,
        )
        plan = parse_scenario(text, "drill.yaml")
        names = [p.name for p in plan.scenario.station.all_persons()]
        assert names[-3:] == ["Resident 001", "Resident 002", "Resident 003"]
        assert plan.scenario.groups() == {"flagged": names[-3:]}
        assert [s.action.name for s in plan.steps] == ["log.note"]
        assert plan.steps[0].line == line_of(text, "- {at:")
        assert [c.expectation.name for c in plan.checks] == ["Chain holds"]

    def test_crisis_file_loads(self) -> None:
        plan = load_scenario(Path(__file__).parents[2] / "scenarios" / "crisis.yaml")
        persons = plan.scenario.station.all_persons()
        assert len(persons) >= 300
        assert {"John", "Dominic", "Ken", "George", "Lisa", "Bahati", "Zane"} <= {
            p.name for p in persons
        }
        assert plan.steps
        assert plan.checks


class TestRefusedFiles:
    """Each kind of fault is refused with the file, the line and what is wrong."""

    def test_yaml_syntax_error(self) -> None:
        error = refusal("scenario: Drill\nstation:\n  zones: [unclosed\n")
        assert error.problems[0].line >= 3
        assert str(error).startswith("drill.yaml:")

    def test_unknown_field_named_on_its_line(self) -> None:
        text = STATION.replace("{name: Anna,", "{name: Anna, colour: red,")
        error = refusal(text)
        [problem] = error.problems
        assert problem.line == line_of(text, "colour: red")
        assert problem.where == "station.persons[0].colour"
        assert "not a field" in problem.message

    def test_missing_field_named_on_parent_line(self) -> None:
        text = STATION.replace("{name: Ben, affiliation: crew, ", "{name: Ben, ")
        [problem] = refusal(text).problems
        assert problem.line == line_of(text, "{name: Ben,")
        assert problem.where == "station.persons[1].affiliation"
        assert "missing" in problem.message

    def test_bad_value_in_generated_persons(self) -> None:
        text = STATION.replace("count: 3, affiliation: resident", "count: 3, affiliation: pilot")
        [problem] = refusal(text).problems
        assert problem.line == line_of(text, "generate:")
        assert problem.where == "station.persons[4].generate.affiliation"

    def test_key_given_twice(self) -> None:
        text = STATION.replace("scenario: Small drill\n", "scenario: Small drill\nscenario: B\n")
        [problem] = refusal(text).problems
        assert (problem.line, problem.message) == (2, "given twice")

    def test_unknown_references_are_listed_together(self) -> None:
        text = STATION.replace("outside: Collar}", "outside: Dock}").replace(
            "assigned: [Ben]", "assigned: [Bob]"
        )
        problems = refusal(text).problems
        assert [(p.line, p.where) for p in problems] == [
            (line_of(text, "outside: Dock"), "station.portals[0].outside"),
            (line_of(text, "assigned: [Bob]"), "station.posts[0].assigned[0]"),
        ]

    def test_commander_must_be_a_member(self) -> None:
        text = STATION.replace("commander: Vera", "commander: Anna")
        [problem] = refusal(text).problems
        assert problem.where == "station.parties[0].commander"
        assert "must be a member" in problem.message

    def test_duplicate_generated_name(self) -> None:
        text = STATION.replace(
            "    - {name: Vic,",
            "    - {name: Resident 002, affiliation: resident}\n    - {name: Vic,",
        )
        [problem] = refusal(text).problems
        assert "'Resident 002' is defined twice" in problem.message
        assert problem.line == line_of(text, "generate:")

    def test_unknown_account_role(self) -> None:
        text = STATION.replace("roles: [guard]}", "roles: [captain]}")
        [problem] = refusal(text).problems
        assert "unknown role(s) captain" in problem.message

    def test_unknown_actor(self, scenario_text: ScenarioText) -> None:
        text = scenario_text('- {at: "+00:01:00", actor: zed, action: log.note, text: Hi.}\n')
        [problem] = refusal(text).problems
        assert problem.where == "timeline[0].actor"
        assert "no account named 'zed'" in problem.message

    def test_unknown_action(self, scenario_text: ScenarioText) -> None:
        text = scenario_text('- {at: "+00:01:00", actor: anna, action: teleport}\n')
        [problem] = refusal(text).problems
        assert problem.line == line_of(text, "teleport")
        assert "unknown action 'teleport'" in problem.message
        assert "log.note" in problem.message

    def test_action_arguments_checked_against_the_handler(
        self, scenario_text: ScenarioText
    ) -> None:
        text = scenario_text(
            """\
            - at: "+00:01:00"
              actor: anna
              action: person.update
              person: Vic
              status: vanished
            """
        )
        [problem] = refusal(text).problems
        assert problem.line == line_of(text, "status: vanished")
        assert problem.where == "timeline[0].status"

    def test_action_model_rule_named_on_the_inject(self, scenario_text: ScenarioText) -> None:
        text = scenario_text(
            '- {at: "+00:01:00", actor: anna, action: person.update, person: Vic}\n'
        )
        [problem] = refusal(text).problems
        assert problem.where == "timeline[0]"
        assert "at least one change" in problem.message

    def test_unknown_group(self, scenario_text: ScenarioText) -> None:
        text = scenario_text(
            '- {at: "+00:01:00", actor: anna, action: log.note, text: Hi., group: crowd}\n',
            "- {name: N, check: person.count, group: flagged, equals: 3}\n",
        )
        [problem] = refusal(text).problems
        assert problem.where == "timeline[0].group"
        assert problem.message == "no group 'crowd' (groups: flagged)"

    def test_injects_out_of_time_order(self, scenario_text: ScenarioText) -> None:
        text = scenario_text(
            """\
            - {at: "+00:02:00", actor: anna, action: log.note, text: Second.}
            - {at: "+00:01:00", actor: anna, action: log.note, text: First.}
            """
        )
        [problem] = refusal(text).problems
        assert problem.line == line_of(text, '"+00:01:00"')
        assert "time order" in problem.message

    def test_bad_offset(self, scenario_text: ScenarioText) -> None:
        text = scenario_text('- {at: "soon", actor: anna, action: log.note, text: Hi.}\n')
        [problem] = refusal(text).problems
        assert problem.where == "timeline[0].at"
        assert "+00:02:00" in problem.message

    def test_unknown_check_and_bad_bounds(self, scenario_text: ScenarioText) -> None:
        text = scenario_text(
            expect="""\
            - {name: One, check: weather.fine}
            - {name: Two, check: person.count, affiliation: crew}
            - {name: Two, check: audit.verifies}
            """
        )
        messages = [(p.where, p.message) for p in refusal(text).problems]
        assert messages[0][0] == "expect[0].check"
        assert messages[1] == ("expect[1]", "give equals, at_least or at_most")
        assert messages[2] == ("expect[2].name", "expectation 'Two' is named twice")

    def test_naive_start_time(self) -> None:
        text = STATION.replace("scenario: Small drill\n", "scenario: D\nstart: 2031-05-14 06:00\n")
        [problem] = refusal(text).problems
        assert problem.where == "start"
        assert "time zone" in problem.message

    def test_not_a_mapping(self) -> None:
        assert refusal("- just a list\n").problems[0].line == 1

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(ScenarioError, match="cannot read"):
            load_scenario(tmp_path / "absent.yaml")


class TestOffsets:
    """Offsets are read as hours:minutes:seconds from the start, or as seconds."""

    @pytest.mark.parametrize(
        ("given", "seconds"),
        [("+00:02:00", 120), ("00:00:05", 5), ("+1d 01:00:00", 90_000), (5400, 5400)],
    )
    def test_accepted(self, given: object, seconds: int) -> None:
        assert parse_offset(given) == timedelta(seconds=seconds)

    @pytest.mark.parametrize("given", ["+2 minutes", "+00:61:00", -5, True])
    def test_refused(self, given: object) -> None:
        with pytest.raises(ValueError, match="hours:minutes:seconds"):
            parse_offset(given)

    def test_unquoted_sexagesimal_yaml_is_seconds(self, scenario_text: ScenarioText) -> None:
        # YAML 1.1 reads an unquoted 1:30:00 as the integer 5400.
        plan = parse_scenario(
            scenario_text("- {at: 1:30:00, actor: anna, action: log.note, text: Hi.}\n")
        )
        assert plan.steps[0].inject.at == timedelta(hours=1, minutes=30)
