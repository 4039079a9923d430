"""START and JumpSTART: each step of the algorithms, and the findings each step needs."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from muster.errors import Invalid
from muster.medical.enums import Triage
from muster.medical.schemas import TriageFindings
from muster.medical.triage import age_on, algorithm_for, triage

LYING = {"walks": False, "breathing": True}


def judge(age: int | None = None, **found: Any) -> tuple[Triage, str]:
    result = triage(TriageFindings.model_validate(found), age_years=age)
    return result.category, result.rule


class TestStart:
    """Adults (and anyone of unknown age) are triaged by START, step by step."""

    @pytest.mark.parametrize(
        ("found", "category", "rule"),
        [
            ({"walks": True, "breathing": True}, Triage.MINOR, "start.walks"),
            (
                {"walks": False, "breathing": False, "breathing_after_airway": False},
                Triage.DECEASED,
                "start.apneic",
            ),
            (
                {"walks": False, "breathing": False, "breathing_after_airway": True},
                Triage.IMMEDIATE,
                "start.airway",
            ),
            ({**LYING, "respiratory_rate": 31}, Triage.IMMEDIATE, "start.respirations"),
            (
                {**LYING, "respiratory_rate": 30, "radial_pulse": False},
                Triage.IMMEDIATE,
                "start.perfusion",
            ),
            (
                {**LYING, "respiratory_rate": 22, "capillary_refill_seconds": 3},
                Triage.IMMEDIATE,
                "start.perfusion",
            ),
            (
                {**LYING, "respiratory_rate": 22, "radial_pulse": True, "obeys_commands": False},
                Triage.IMMEDIATE,
                "start.mental",
            ),
            (
                {
                    **LYING,
                    "respiratory_rate": 22,
                    "capillary_refill_seconds": 2,
                    "obeys_commands": True,
                },
                Triage.DELAYED,
                "start.delayed",
            ),
        ],
    )
    def test_each_step(self, found: dict[str, Any], category: Triage, rule: str) -> None:
        """Each finding decides at its own step, with the rule that decided."""
        assert judge(**found) == (category, rule)

    def test_explanation_names_the_finding(self) -> None:
        """The explanation says which finding decided, in plain words."""
        found = TriageFindings(walks=False, breathing=True, respiratory_rate=36)
        assert "respiratory rate 36/min, over 30" in triage(found).explanation

    @pytest.mark.parametrize(
        ("found", "missing"),
        [
            ({"walks": False, "breathing": False}, "breathing_after_airway"),
            (LYING, "respiratory_rate"),
            ({**LYING, "respiratory_rate": 20}, "radial_pulse or capillary_refill_seconds"),
            ({**LYING, "respiratory_rate": 20, "radial_pulse": True}, "obeys_commands"),
        ],
    )
    def test_missing_finding_named(self, found: dict[str, Any], missing: str) -> None:
        """A step whose finding was not recorded is refused, naming the finding."""
        with pytest.raises(Invalid, match=missing):
            judge(**found)


class TestJumpStart:
    """Children under 8 are triaged by JumpSTART: other rates, a pulse, rescue breaths, AVPU."""

    def test_age_picks_the_algorithm(self) -> None:
        """Under 8 is JumpSTART; 8 and over, or not known, is START."""
        assert [algorithm_for(a) for a in (0, 7, 8, None)] == [
            "JumpSTART",
            "JumpSTART",
            "START",
            "START",
        ]

    def test_age_from_date_of_birth(self) -> None:
        """Whole years, the birthday counted on the day."""
        assert age_on(date(2024, 5, 4), date(2031, 5, 3)) == 6
        assert age_on(date(2024, 5, 4), date(2031, 5, 4)) == 7

    def test_slow_breathing_is_immediate_for_a_child_only(self) -> None:
        """12 breaths a minute: immediate for a child (under 15), delayed for an adult."""
        found = {**LYING, "respiratory_rate": 12, "radial_pulse": True}
        assert judge(5, **found, avpu="alert") == (Triage.IMMEDIATE, "jumpstart.respirations")
        assert judge(30, **found, obeys_commands=True) == (Triage.DELAYED, "start.delayed")

    @pytest.mark.parametrize(
        ("found", "category", "rule"),
        [
            (
                {"breathing_after_airway": False, "radial_pulse": False},
                Triage.DECEASED,
                "jumpstart.apneic",
            ),
            (
                {
                    "breathing_after_airway": False,
                    "radial_pulse": True,
                    "breathing_after_rescue_breaths": True,
                },
                Triage.IMMEDIATE,
                "jumpstart.rescue_breaths",
            ),
            (
                {
                    "breathing_after_airway": False,
                    "radial_pulse": True,
                    "breathing_after_rescue_breaths": False,
                },
                Triage.DECEASED,
                "jumpstart.apneic",
            ),
        ],
    )
    def test_apneic_child(self, found: dict[str, Any], category: Triage, rule: str) -> None:
        """A child not breathing: a pulse, then five rescue breaths, decide."""
        assert judge(4, walks=False, breathing=False, **found) == (category, rule)

    def test_avpu_decides_the_last_step(self) -> None:
        """Responding inappropriately to pain is immediate; responding to voice is delayed."""
        found = {**LYING, "respiratory_rate": 30, "radial_pulse": True}
        assert judge(6, **found, avpu="pain_inappropriate")[0] is Triage.IMMEDIATE
        assert judge(6, **found, avpu="voice") == (Triage.DELAYED, "jumpstart.delayed")
        with pytest.raises(Invalid, match="avpu"):
            judge(6, **found)
