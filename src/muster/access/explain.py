"""Decisions in plain words, for the guard at the door and for the record."""

from __future__ import annotations

from muster.access.enums import Direction
from muster.access.facts import HoldFact, PersonFacts, PortalFacts
from muster.access.hold_views import hold_line
from muster.policy.engine import Verdict

# What each shipped rule means when it decides. A rule of an edited policy that is not
# listed here is named by its id.
RULE_WORDS = {
    "exit.visitor.own-vessel": "a visitor leaving to their own vessel",
    "exit.station.duty-pass": "holds a current duty pass",
    "exit.station.transfer": "an approved, current consent case for this vessel",
    "enter.station.residents-crew": "residents and crew may board",
    "enter.visitor.visit-escorted": "a visitor with a current visit, escorted by crew",
    "door.station.residents-crew": "residents and crew pass internal doors",
    "door.visitor.visit-zones": "the visit allows the zone beyond this door",
    "door.evacuation.open": "evacuation: internal doors are open",
    "exit.forbid.held": "under hold",
    "exit.forbid.resident-to-vessel": (
        "a resident goes to a visiting vessel only with an approved, current consent case "
        "for that vessel"
    ),
    "any.forbid.deceased": "recorded as deceased",
    "any.forbid.lockdown": "the portal is in lockdown",
    "any.forbid.maintenance": "the portal is under maintenance (crew only)",
    "any.forbid.passback": "already on that side: must pass the other way first",
}


def hold_words(holds: list[HoldFact]) -> str:
    """ "under provisional hold placed by John at 14:02, suspected nanite influence"; a
    medical hold without its clinical reason (the explanation is read by every post)."""
    parts = [f"under {hold_line(h, clinical=False)}" for h in holds]
    return "; ".join(parts) if parts else "under hold"


def _why_no_permit(person: PersonFacts, portal: PortalFacts, direction: Direction) -> str:
    if portal.kind != "airlock":
        if person.affiliation == "visitor":
            if not person.visit_current:
                return "a visitor without a current visit authorization"
            return "the visit does not allow the zone beyond this door"
        return "no rule permits this passage"
    if direction == Direction.EXIT:
        if person.affiliation == "visitor":
            if not person.party_id:
                return "a visitor with no party on record"
            return "this airlock does not lead to the visitor's own vessel"
        return "no current duty pass and no approved consent case for the vessel outside"
    if person.affiliation == "visitor":
        if not person.visit_current:
            return "a visitor without a current visit authorization"
        if portal.inside_zone_id not in person.visit_zone_ids:
            return "the visit does not allow the zone inside this airlock"
        return "no crew escort permitted to pass with the visitor"
    return "no rule permits this passage"


def explain(
    verdict: Verdict, person: PersonFacts, portal: PortalFacts, direction: Direction
) -> str:
    """One line saying what was decided and why."""
    if verdict.errors:
        return f"Denied (failed closed): {verdict.reason}"
    if verdict.allowed:
        words = [RULE_WORDS.get(r, f"rule {r}") for r in verdict.rule_ids]
        return "Permitted: " + "; ".join(words or ["permitted"])
    if not verdict.rule_ids:
        return "Denied: " + _why_no_permit(person, portal, direction)
    words = []
    for rule in verdict.rule_ids:
        if rule == "exit.forbid.held":
            words.append(hold_words(person.holds))
        else:
            words.append(RULE_WORDS.get(rule, f"forbidden by rule {rule}"))
    return "Denied: " + "; ".join(words)


def instruction(allowed: int, denied: int) -> str:
    """The one line a guard reads for a group: "17 may pass, 20 must be held back"."""
    if denied == 0:
        return f"All {allowed} may pass" if allowed != 1 else "1 may pass"
    if allowed == 0:
        return f"None may pass: all {denied} must be held back"
    return f"{allowed} may pass, {denied} must be held back"
