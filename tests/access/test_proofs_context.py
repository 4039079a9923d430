"""P3 proved: properties that fix the context (an escort, the zone stepped into)."""

from __future__ import annotations

import pytest

from muster.access.proofs import FAILED, PROVED, ProofResult, prove_policy
from muster.access.proofs_properties import parse_properties, shipped_properties
from muster.errors import Invalid
from muster.policy.engine import shipped_policy_text, shipped_schema_text

ESCORT = (
    "  principal.visit_zone_ids.contains(context.target_zone_id) &&\n  context.escort_present\n"
)
BOARDING_ZONE = (
    "  principal.visit_current &&\n"
    "  principal.visit_zone_ids.contains(context.target_zone_id) &&\n"
    "  context.escort_present\n"
)
DOOR_ZONE = (
    "  principal.visit_current &&\n  principal.visit_zone_ids.contains(context.target_zone_id)\n};"
)


def replaced(old: str, new: str) -> str:
    """The shipped policy with one rule's text changed (the change must apply)."""
    text = shipped_policy_text()
    assert text.count(old) == 1, old
    return text.replace(old, new)


def prove_one(policy: str, property_id: str) -> ProofResult:
    """One shipped property's result on ``policy``."""
    props = [p for p in shipped_properties() if p.id == property_id]
    return prove_policy(policy, shipped_schema_text(), props)[0]


def words(result: ProofResult) -> str:
    """Everything a failure says, for matching."""
    residuals = [r for f in result.failures for r in f.residuals]
    return " ".join([result.explanation, *(r.words for r in residuals)])


class TestVisitorProperties:
    """The shipped policy keeps P3; a policy that drops the escort or the zone fails it."""

    @pytest.mark.parametrize(
        "property_id",
        [
            "visitor-boards-escorted",
            "visitor-boards-into-allowed-zone",
            "visitor-passes-only-into-allowed-zones",
        ],
    )
    def test_shipped_policy_proves(self, property_id: str) -> None:
        assert prove_one(shipped_policy_text(), property_id).status == PROVED

    def test_boarding_without_escort_refuted(self) -> None:
        policy = replaced(ESCORT, "  principal.visit_zone_ids.contains(context.target_zone_id)\n")
        result = prove_one(policy, "visitor-boards-escorted")
        assert result.status == FAILED
        assert "enter.visitor.visit-escorted" in words(result)
        assert "context.escort_present = false" in words(result)

    def test_boarding_into_any_zone_refuted(self) -> None:
        policy = replaced(BOARDING_ZONE, "  principal.visit_current &&\n  context.escort_present\n")
        result = prove_one(policy, "visitor-boards-into-allowed-zone")
        assert result.status == FAILED
        assert "enter.visitor.visit-escorted" in words(result)

    def test_doors_into_any_zone_refuted(self) -> None:
        policy = replaced(DOOR_ZONE, "  principal.visit_current\n};")
        result = prove_one(policy, "visitor-passes-only-into-allowed-zones")
        assert result.status == FAILED
        assert "door.visitor.visit-zones" in words(result)


class TestContextProperties:
    """A property fixes the whole context or none of it, by the schema's names."""

    def _prove(self, fix: str) -> ProofResult:
        text = f"properties:\n  - {{id: a, says: x, actions: [enter], fix: {{{fix}}}}}\n"
        return prove_policy(shipped_policy_text(), shipped_schema_text(), parse_properties(text))[0]

    def test_part_of_the_context_fails(self) -> None:
        result = self._prove("context.escort_present: false")
        assert result.status == FAILED
        assert "fix every context attribute (also passback, target_zone_id)" in result.explanation

    def test_undeclared_context_attribute_fails(self) -> None:
        result = self._prove(
            "context.escort_present: false, context.passback: false, "
            "context.target_zone_id: x, context.rank: 1"
        )
        assert result.status == FAILED
        assert "context.rank, which the schema does not declare on enter" in result.explanation

    def test_other_roots_refused(self) -> None:
        with pytest.raises(Invalid, match=r"context\.<attribute>"):
            parse_properties(
                "properties:\n  - {id: a, says: x, actions: [enter], fix: {action.x: 1}}\n"
            )
