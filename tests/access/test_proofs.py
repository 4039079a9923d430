"""Safety properties proved for the shipped policy, and refuted on policies that weaken them."""

from __future__ import annotations

import pytest

from muster.access.proofs import FAILED, NOT_APPLICABLE, PROVED, ProofResult, prove_policy
from muster.access.proofs_properties import parse_properties, shipped_properties
from muster.errors import Invalid
from muster.policy.engine import shipped_files, shipped_policy_text, shipped_schema_text

SHIPPED_IDS = {
    "held-never-exits",
    "lockdown-denies-all",
    "deceased-denied",
    "visitor-needs-visit",
    "station-exit-needs-leave",
    "transfer-only-to-its-vessel",
    "medical-hold-lift-medic-only",
    "interviewer-never-approves",
    "resident-to-vessel-needs-consent",
    "consent-follows-the-person",
    "visitor-boards-escorted",
    "visitor-boards-into-allowed-zone",
    "visitor-passes-only-into-allowed-zones",
}


def replaced(old: str, new: str) -> str:
    """The shipped policy with one rule's text changed (the change must apply)."""
    text = shipped_policy_text()
    assert text.count(old) == 1, old
    return text.replace(old, new)


def prove_one(policy: str, property_id: str, schema: str | None = None) -> ProofResult:
    """One shipped property's result on ``policy``."""
    props = [p for p in shipped_properties() if p.id == property_id]
    return prove_policy(policy, schema or shipped_schema_text(), props)[0]


def words(result: ProofResult) -> str:
    """Everything a failure says, for matching."""
    residuals = [r for f in result.failures for r in f.residuals]
    return " ".join(
        [result.explanation, *(r.words for r in residuals), *(r.cedar for r in residuals)]
    )


class TestShippedPolicy:
    """Every shipped property is proved for the shipped default policy."""

    def test_all_proved(self) -> None:
        results = prove_policy(shipped_policy_text(), shipped_schema_text(), shipped_properties())
        assert {r.property_id for r in results} >= SHIPPED_IDS
        assert [(r.property_id, r.status) for r in results if not r.proved] == []
        assert all(r.runs >= 1 for r in results)


VISITOR = 'principal.affiliation == "visitor"'
MEDICAL_LIFT = 'resource.kind == "medical" && principal.roles.contains("medic") };\n\n@id("op.read'
RESIDENT_TO_VESSEL = (
    "// P2: a resident reaches a visiting party's vessel only by a consent case for it,\n"
    "// whatever else (a duty pass, a rule added later) would permit the exit. The requirement\n"
    "// follows the person: consent_required stays set when a registry edit makes a resident\n"
    "// crew or a visitor of that party.\n"
    '@id("exit.forbid.resident-to-vessel")\n'
    'forbid (principal, action == Action::"exit", resource)\n'
    "when {\n"
    '  (principal.affiliation == "resident" || principal.consent_required) &&\n'
    '  resource.vessel_party_id != "" &&\n'
    "  !principal.transfer_vessel_ids.contains(resource.vessel_party_id)\n"
    "};\n\n"
)
MUTATIONS = [
    (
        "held-never-exits",
        ("when { principal.held };", f"when {{ principal.held }}\nunless {{ {VISITOR} }};"),
        "exit.visitor.own-vessel",
    ),
    (
        "lockdown-denies-all",
        (
            'when { resource.mode == "lockdown" };',
            'when { resource.mode == "lockdown" && resource.kind == "airlock" };',
        ),
        "door.station.residents-crew",
    ),
    (
        "deceased-denied",
        (
            'when { principal.status == "deceased" };',
            'when { principal.status == "deceased" && principal.affiliation != "crew" };',
        ),
        "station.residents-crew",
    ),
    (
        "visitor-needs-visit",
        (
            f"{VISITOR} &&\n  principal.visit_current &&\n  principal.visit_zone_ids"
            ".contains(context.target_zone_id) &&\n  context.escort_present",
            f"{VISITOR} &&\n  principal.visit_zone_ids.contains(context.target_zone_id) &&\n"
            "  context.escort_present",
        ),
        "enter.visitor.visit-escorted",
    ),
    (
        "station-exit-needs-leave",
        (
            "principal.duty_pass_current\n};",
            '(principal.duty_pass_current || principal.affiliation == "crew")\n};',
        ),
        "exit.station.duty-pass",
    ),
    (
        "transfer-only-to-its-vessel",
        (
            # The permit widened, and the resident-to-vessel forbid behind it dropped.
            "  principal.transfer_vessel_ids.contains(resource.vessel_party_id)\n};\n\n"
            + RESIDENT_TO_VESSEL,
            "  !principal.transfer_vessel_ids.isEmpty()\n};\n\n",
        ),
        "exit.station.transfer",
    ),
    (
        "medical-hold-lift-medic-only",
        (
            MEDICAL_LIFT,
            MEDICAL_LIFT.replace(
                'principal.roles.contains("medic")',
                '(principal.roles.contains("medic") || principal.roles.contains("admin"))',
            ),
        ),
        "op.hold.lift.medical",
    ),
]


class TestWeakenedPolicies:
    """A policy weakening the rule behind a property fails it, naming the rule that permits."""

    @pytest.mark.parametrize(("property_id", "change", "rule"), MUTATIONS)
    def test_mutation_fails(self, property_id: str, change: tuple[str, str], rule: str) -> None:
        result = prove_one(replaced(*change), property_id)
        assert result.status == FAILED
        assert result.failures
        assert rule in words(result)
        assert "could still permit" in words(result) or "outright" in words(result)
        assert all(r.cedar.startswith("@id(") for f in result.failures for r in f.residuals)

    def test_other_properties_unaffected(self) -> None:
        policy = replaced("when { principal.held };", "when { principal.held && false };")
        results = prove_policy(policy, shipped_schema_text(), shipped_properties())
        assert [r.property_id for r in results if not r.proved] == ["held-never-exits"]

    def test_counterexample_is_concrete(self) -> None:
        change = MUTATIONS[0][1]
        result = prove_one(replaced(*change), "held-never-exits")
        case = result.failures[0].case
        assert "principal.held = true" in case
        assert 'principal.affiliation = "visitor"' in case

    def test_medic_counterexample_names_roles(self) -> None:
        result = prove_one(replaced(*MUTATIONS[-1][1]), "medical-hold-lift-medic-only")
        assert "admin" in result.failures[0].case
        assert "medic" not in result.failures[0].case.replace("medical", "")

    def test_removed_forbid_fails_outright(self) -> None:
        policy = replaced(
            '@id("any.forbid.lockdown")\nforbid',
            '@id("any.forbid.lockdown")\npermit',
        )
        result = prove_one(policy, "lockdown-denies-all")
        assert result.status == FAILED
        assert "any.forbid.lockdown" in words(result)

    def test_named_person_is_covered(self) -> None:
        policy = shipped_policy_text() + (
            '\n@id("enter.vip")\npermit (principal == Person::"vip", action == Action::"enter",'
            " resource);\n"
        )
        result = prove_one(policy, "visitor-needs-visit")
        assert result.status == FAILED
        assert 'Person::"vip"' in result.failures[0].case


class TestConsentProperty:
    """The consent property is skipped until its action exists, then proved or refuted."""

    def schema_without_welfare(self) -> str:
        return "\n".join(
            p.read_text() for p in shipped_files(".cedarschema") if "welfare" not in str(p)
        )

    def policy_without_welfare(self) -> str:
        return "\n".join(p.read_text() for p in shipped_files(".cedar") if "welfare" not in str(p))

    def test_not_applicable_without_action(self) -> None:
        result = prove_one(
            self.policy_without_welfare(),
            "interviewer-never-approves",
            self.schema_without_welfare(),
        )
        assert result.status == NOT_APPLICABLE
        assert result.explanation == "not applicable: action consent.approve not in schema"
        assert not result.blocks_activation

    def test_proved_with_welfare(self) -> None:
        assert prove_one(shipped_policy_text(), "interviewer-never-approves").status == PROVED

    def test_fails_without_its_forbid(self) -> None:
        policy = replaced(
            '@id("consent.approve.forbid.interviewer")\nforbid',
            '@id("consent.approve.forbid.interviewer")\npermit',
        )
        result = prove_one(policy, "interviewer-never-approves")
        assert result.status == FAILED


class TestPropertiesFile:
    """The properties file is checked: a malformed property is refused, naming it."""

    def test_shipped_file_reads(self) -> None:
        assert {p.id for p in shipped_properties()} >= SHIPPED_IDS
        assert all(p.says and p.actions for p in shipped_properties())

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("nothing: here", "properties"),
            ("properties:\n  - {id: a, actions: [exit]}\n", "says"),
            ("properties:\n  - {id: a, says: x, actions: []}\n", "actions"),
            ("properties:\n  - {id: a, says: x, actions: [exit], expect: maybe}\n", "expect"),
            (
                "properties:\n  - {id: a, says: x, actions: [exit], fix: {action.id: 1}}\n",
                "context",
            ),
            (
                "properties:\n  - {id: a, says: x, actions: [exit]}\n"
                "  - {id: a, says: y, actions: [exit]}\n",
                "unique",
            ),
        ],
    )
    def test_malformed(self, text: str, message: str) -> None:
        with pytest.raises(Invalid, match=message):
            parse_properties(text)

    def test_wrong_type_fails_the_property(self) -> None:
        props = parse_properties(
            "properties:\n  - {id: a, says: x, actions: [exit], fix: {principal.held: 'yes'}}\n"
        )
        result = prove_policy(shipped_policy_text(), shipped_schema_text(), props)[0]
        assert result.status == FAILED
        assert "Bool" in result.explanation

    def test_draft_must_match_schema(self) -> None:
        with pytest.raises(Invalid):
            prove_policy("permit (principal, action, resource);", shipped_schema_text(), [])


class TestResidentToVessel:
    """P2: a policy letting a resident's duty pass open the airlock to a vessel fails."""

    def test_duty_pass_side_door_refuted(self) -> None:
        policy = replaced(
            '  (principal.affiliation == "resident" || principal.consent_required) &&\n'
            '  resource.vessel_party_id != "" &&',
            '  (principal.affiliation == "resident" || principal.consent_required) &&\n'
            '  resource.vessel_party_id == "-" &&',
        )
        result = prove_one(policy, "resident-to-vessel-needs-consent")
        assert result.status == FAILED
        assert "exit.station.duty-pass" in words(result)

    def test_requirement_shed_by_a_registry_edit_refuted(self) -> None:
        policy = replaced(
            '(principal.affiliation == "resident" || principal.consent_required) &&',
            'principal.affiliation == "resident" &&',
        )
        result = prove_one(policy, "consent-follows-the-person")
        assert result.status == FAILED
        # The first counterexample: a former resident made crew, out with a duty pass.
        assert "exit.station.duty-pass" in words(result)
        assert prove_one(shipped_policy_text(), "consent-follows-the-person").status == PROVED
