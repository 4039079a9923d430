"""START triage for adults and JumpSTART for children, from what the rescuer records.

Pure functions: the findings go in, the category comes out with the rule that decided it
and the plain words of that rule. The steps follow the published algorithms in order and
ask only for what the next step needs, so a walking casualty needs no pulse taken.

- START (Benson, Koenig, Schultz 1996): walks -> minor; not breathing after the airway is
  repositioned -> deceased, breathing only then -> immediate; respiratory rate over 30 ->
  immediate; no radial pulse or capillary refill over 2 s -> immediate; does not obey
  simple commands -> immediate; otherwise delayed.
- JumpSTART (Romig 1995) for children under 8: walks -> minor; not breathing: airway
  repositioned, then if a peripheral pulse is felt five rescue breaths; breathing after
  either -> immediate, otherwise deceased; respiratory rate under 15 or over 45 ->
  immediate; no palpable peripheral pulse -> immediate; AVPU "P" with inappropriate
  response (posturing, withdrawing wrongly) or "U" -> immediate; otherwise delayed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from muster.errors import Invalid
from muster.medical.enums import Triage
from muster.medical.schemas import TriageFindings

START = "START"
JUMPSTART = "JumpSTART"
CHILD_UNDER_YEARS = 8  # JumpSTART is for children who look younger than about 8
ADULT_MAX_RATE = 30
CHILD_RATE_RANGE = (15, 45)
MAX_REFILL_SECONDS = 2.0
CHILD_IMMEDIATE_AVPU = frozenset({"pain_inappropriate", "unresponsive"})
T = TypeVar("T")


@dataclass(frozen=True)
class TriageResult:
    """The category, the algorithm used, the rule that decided and its words."""

    category: Triage
    algorithm: str
    rule: str
    explanation: str


def age_on(born: date, today: date) -> int:
    """Whole years of age on ``today``."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def algorithm_for(age_years: int | None) -> str:
    """JumpSTART for a child under 8, START otherwise (and when the age is not known)."""
    if age_years is not None and age_years < CHILD_UNDER_YEARS:
        return JUMPSTART
    return START


def _needs(value: T | None, finding: str, why: str) -> T:
    """The finding's value; a clear 422 naming it when the step needs it and it is missing."""
    if value is None:
        raise Invalid(f"record {finding}: {why}")
    return value


def triage(findings: TriageFindings, *, age_years: int | None = None) -> TriageResult:
    """The triage category the findings give, by START or (for a child) JumpSTART."""
    algorithm = algorithm_for(age_years)
    if algorithm == JUMPSTART:
        return _jumpstart(findings)
    return _start(findings)


def _result(category: Triage, algorithm: str, rule: str, words: str) -> TriageResult:
    return TriageResult(category, algorithm, f"{algorithm.lower()}.{rule}", words)


def _start(f: TriageFindings) -> TriageResult:
    if f.walks:
        return _result(Triage.MINOR, START, "walks", "walks: minor (walking wounded)")
    if not f.breathing:
        _needs(f.breathing_after_airway, "breathing_after_airway", "the casualty is not breathing")
        if not f.breathing_after_airway:
            return _result(
                Triage.DECEASED,
                START,
                "apneic",
                "not breathing after the airway was repositioned: deceased",
            )
        return _result(
            Triage.IMMEDIATE,
            START,
            "airway",
            "breathing only after the airway was repositioned: immediate",
        )
    rate = _needs(f.respiratory_rate, "respiratory_rate", "the casualty is breathing")
    if rate > ADULT_MAX_RATE:
        return _result(
            Triage.IMMEDIATE,
            START,
            "respirations",
            f"respiratory rate {rate}/min, over {ADULT_MAX_RATE}: immediate",
        )
    if f.radial_pulse is None and f.capillary_refill_seconds is None:
        raise Invalid("record radial_pulse or capillary_refill_seconds: perfusion is next")
    if f.radial_pulse is False:
        return _result(Triage.IMMEDIATE, START, "perfusion", "no radial pulse: immediate")
    if f.capillary_refill_seconds is not None and f.capillary_refill_seconds > MAX_REFILL_SECONDS:
        return _result(
            Triage.IMMEDIATE,
            START,
            "perfusion",
            f"capillary refill {f.capillary_refill_seconds:g} s, over "
            f"{MAX_REFILL_SECONDS:g} s: immediate",
        )
    _needs(f.obeys_commands, "obeys_commands", "mental status is next")
    if not f.obeys_commands:
        return _result(
            Triage.IMMEDIATE, START, "mental", "does not obey simple commands: immediate"
        )
    return _result(
        Triage.DELAYED,
        START,
        "delayed",
        f"cannot walk; breathing {f.respiratory_rate}/min, perfused, obeys commands: delayed",
    )


def _jumpstart(f: TriageFindings) -> TriageResult:
    if f.walks:
        return _result(Triage.MINOR, JUMPSTART, "walks", "child walks: minor")
    if not f.breathing:
        _needs(f.breathing_after_airway, "breathing_after_airway", "the child is not breathing")
        if f.breathing_after_airway:
            return _result(
                Triage.IMMEDIATE,
                JUMPSTART,
                "airway",
                "child breathing only after the airway was positioned: immediate",
            )
        _needs(f.radial_pulse, "radial_pulse", "a child not breathing is checked for a pulse")
        if not f.radial_pulse:
            return _result(
                Triage.DECEASED,
                JUMPSTART,
                "apneic",
                "child not breathing and no peripheral pulse: deceased",
            )
        _needs(
            f.breathing_after_rescue_breaths,
            "breathing_after_rescue_breaths",
            "a child with a pulse who is not breathing is given five rescue breaths",
        )
        if f.breathing_after_rescue_breaths:
            return _result(
                Triage.IMMEDIATE,
                JUMPSTART,
                "rescue_breaths",
                "child breathing after five rescue breaths: immediate",
            )
        return _result(
            Triage.DECEASED,
            JUMPSTART,
            "apneic",
            "child not breathing after five rescue breaths: deceased",
        )
    rate = _needs(f.respiratory_rate, "respiratory_rate", "the child is breathing")
    low, high = CHILD_RATE_RANGE
    if not low <= rate <= high:
        return _result(
            Triage.IMMEDIATE,
            JUMPSTART,
            "respirations",
            f"child's respiratory rate {rate}/min, outside {low}-{high}: immediate",
        )
    _needs(f.radial_pulse, "radial_pulse", "a child's perfusion is judged by a palpable pulse")
    if not f.radial_pulse:
        return _result(
            Triage.IMMEDIATE, JUMPSTART, "perfusion", "no palpable peripheral pulse: immediate"
        )
    _needs(f.avpu, "avpu", "a child's mental status is judged on AVPU")
    if f.avpu in CHILD_IMMEDIATE_AVPU:
        return _result(
            Triage.IMMEDIATE,
            JUMPSTART,
            "mental",
            f"AVPU {str(f.avpu).replace('_', ' ')}: immediate",
        )
    return _result(
        Triage.DELAYED,
        JUMPSTART,
        "delayed",
        f"child cannot walk; breathing {f.respiratory_rate}/min, pulse felt, AVPU {f.avpu}: "
        "delayed",
    )
