"""The schema, the proofs and the entities the decisions use all name the same attributes."""

from __future__ import annotations

import itertools
import json

import cedarpy
from sqlalchemy.orm import Session

from access.station import Station
from muster import clock
from muster.access.enums import Direction
from muster.access.facts import context_for, load_persons, load_portal
from muster.access.proofs import FAILED, prove_policy
from muster.access.proofs_eval import Prover
from muster.access.proofs_properties import parse_properties, shipped_properties
from muster.access.proofs_schema import read_schema
from muster.people.enums import Affiliation
from muster.policy.actor import Actor
from muster.policy.authorize import operator_entity
from muster.policy.engine import shipped_policy_text, shipped_schema_text

SHAPE = read_schema(shipped_schema_text())


def shipped_prover() -> Prover:
    """A prover on the shipped policy and schema."""
    policies = json.loads(cedarpy.policies_to_json_str(shipped_policy_text()))["staticPolicies"]
    return Prover(cedarpy.Schema.from_str(shipped_schema_text()), SHAPE, policies)


class TestSchemaReading:
    """The schema reader finds every declared attribute and action signature."""

    def test_person_and_portal(self) -> None:
        assert SHAPE.attributes("Person") == {
            "affiliation": "String",
            "consent_required": "Bool",
            "status": "String",
            "party_id": "String",
            "held": "Bool",
            "duty_pass_current": "Bool",
            "transfer_vessel_ids": "Set<String>",
            "visit_current": "Bool",
            "visit_zone_ids": "Set<String>",
        }
        assert set(SHAPE.attributes("Portal")) == {
            "kind",
            "mode",
            "inside_zone_id",
            "outside_zone_id",
            "vessel_party_id",
        }

    def test_actions(self) -> None:
        exit_ = SHAPE.actions["exit"]
        assert (exit_.principals, exit_.resources) == (("Person",), ("Portal",))
        assert set(exit_.context) == {"passback", "escort_present", "target_zone_id"}
        assert SHAPE.actions["hold.lift"].resources == ("Hold",)
        assert not SHAPE.has_hierarchy

    def test_optional_and_parents(self) -> None:
        shape = read_schema(
            "entity G; entity U in [G] = { a?: Long, r: { x: String } };\n"
            'action "go" appliesTo { principal: [U], resource: [G] };'
        )
        assert shape.attributes("U") == {"a": "Long?", "r": "Record"}
        assert shape.has_hierarchy


class TestProofEntities:
    """Every attribute the schema declares is either fixed or unknown in every proof."""

    def test_every_declared_attribute_is_present(self) -> None:
        prover = shipped_prover()
        for prop in shipped_properties():
            fixed = {f.path: "fixed" for f in prop.fixed}
            for action in (a for a in prop.actions if a in SHAPE.actions):
                shape = SHAPE.actions[action]
                for types in itertools.product(shape.principals, shape.resources):
                    built = prover.entities(types, ("p", "r"), fixed)
                    for role, entity, etype in zip(
                        ("principal", "resource"), built, types, strict=True
                    ):
                        declared = set(SHAPE.attributes(etype))
                        assert set(entity["attrs"]) == declared, (prop.id, etype)
                        for name, value in entity["attrs"].items():
                            path = f"{role}.{name}"
                            assert value == "fixed" or value == {
                                "__extn": {"fn": "unknown", "arg": path}
                            }, path

    def test_undeclared_attribute_fails_the_property(self) -> None:
        props = parse_properties(
            "properties:\n  - {id: a, says: x, actions: [exit], fix: {principal.rank: 1}}\n"
        )
        result = prove_policy(shipped_policy_text(), shipped_schema_text(), props)[0]
        assert result.status == FAILED
        assert "does not declare" in result.explanation

    def test_optional_attribute_fails_the_property(self) -> None:
        person = "  party_id: String,\n  held: Bool,"
        assert shipped_schema_text().count(person) == 1
        schema = shipped_schema_text().replace(person, person.replace("held:", "held?:"))
        props = [p for p in shipped_properties() if p.id == "deceased-denied"]
        policy = shipped_policy_text().replace(
            "when { principal.held };", "when { principal has held && principal.held };"
        )
        result = prove_policy(policy, schema, props)[0]
        assert result.status == FAILED
        assert "optional" in result.explanation


class TestDecisionEntities:
    """The entities the decisions build carry exactly the schema's attributes."""

    def test_person_portal_and_context(self, station: Station, session: Session) -> None:
        person = station.add_person("Ann", Affiliation.RESIDENT)
        facts = load_persons(session, [person.id], clock.now())[person.id]
        portal = load_portal(session, next(iter(station.portals.values())).id)
        assert set(facts.entity()["attrs"]) == set(SHAPE.attributes("Person"))
        assert set(portal.entity()["attrs"]) == set(SHAPE.attributes("Portal"))
        for action, direction in (("exit", Direction.EXIT), ("enter", Direction.ENTER)):
            context = context_for(facts, portal, direction, [facts])
            assert set(context) == set(SHAPE.actions[action].context)

    def test_operator(self) -> None:
        actor = Actor(kind="account", id="a", name="A", roles=frozenset({"medic"}))
        assert set(operator_entity(actor)["attrs"]) == set(SHAPE.attributes("Operator"))
