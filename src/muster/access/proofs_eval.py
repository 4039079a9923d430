"""Partial evaluation for proofs: requests with unknown attributes, and case splits.

``Prover`` holds one policy and schema; ``evaluate`` asks Cedar to decide a request whose
principal and resource have every declared attribute unknown except the fixed ones, and
whose context is wholly unknown. Where Cedar leaves a rule undecided on a value that can
only be compared with constants, ``candidates`` lists the values that stand for all others:
every constant the undecided rules mention and one they do not.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

import cedarpy

from muster.access.proofs_properties import Fixed, Property
from muster.access.proofs_residuals import cannot_apply, entity_literals, string_literals, walk
from muster.access.proofs_schema import SchemaShape

MAX_ENUMERATED = 10  # a set over more candidates than this is not enumerated (2**10 sets)
MAX_CASES = 4096  # most evaluations one case may be split into


def unknown(name: str) -> dict[str, Any]:
    """An attribute value left unknown for Cedar's partial evaluation."""
    return {"__extn": {"fn": "unknown", "arg": name}}


@dataclass
class Prover:
    """One policy and schema, parsed once for all the properties proved against them."""

    schema: cedarpy.Schema
    shape: SchemaShape
    policies: dict[str, dict[str, Any]]
    by_action: dict[str, cedarpy.PolicySet] = field(default_factory=dict)
    runs: int = 0

    def policy_set(self, action: str) -> cedarpy.PolicySet:
        """The rules whose scope can match ``action`` (the others cannot decide it)."""
        if action not in self.by_action:
            kept = {k: p for k, p in self.policies.items() if self.may_match(p, action)}
            doc = {"staticPolicies": kept, "templates": {}, "templateLinks": []}
            text = str(cedarpy.policies_from_json_str(json.dumps(doc))) if kept else ""
            self.by_action[action] = cedarpy.PolicySet.from_str(text)
        return self.by_action[action]

    def may_match(self, policy: dict[str, Any], action: str) -> bool:
        """True if the rule's scope can match ``action``."""
        scope = policy.get("action", {})
        if self.shape.has_hierarchy or scope.get("op") not in ("==", "in"):
            return True
        listed = scope.get("entities") or [scope.get("entity", {})]
        return any(e.get("id") == action for e in listed)

    def rule(self, rule_id: str) -> dict[str, Any] | None:
        """A rule of the policy by its @id, as Cedar's JSON form."""
        for est in self.policies.values():
            if est.get("annotations", {}).get("id") == rule_id:
                return est
        return None

    def ids_of(self, entity_type: str, role: str) -> list[str]:
        """A fresh id and every id of ``entity_type`` the policy names."""
        named = entity_literals(list(self.policies.values()), entity_type)
        return [f"proof-{role}", *sorted(named)]

    def entities(
        self, types: tuple[str, str], ids: tuple[str, str], values: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """The principal and resource: every attribute the schema declares, unknown unless
        ``values`` fixes it (so no attribute can be left out of a proof)."""
        entities = []
        for role, etype, eid in zip(("principal", "resource"), types, ids, strict=True):
            attrs = {
                name: values.get(f"{role}.{name}", unknown(f"{role}.{name}"))
                for name in self.shape.attributes(etype)
            }
            entities.append({"uid": {"type": etype, "id": eid}, "attrs": attrs, "parents": []})
        return entities

    def evaluate(
        self, action: str, types: tuple[str, str], ids: tuple[str, str], values: dict[str, Any]
    ) -> cedarpy.PartialAuthzResult:
        """Partially evaluate one request: ``values`` fixed, every other attribute unknown.

        The context is wholly unknown (every context the action could be asked with)
        unless the property fixes it, and then wholly given: Cedar validates it whole.
        """
        declared = self.shape.actions[action].context if action in self.shape.actions else {}
        context = None
        if any(path.startswith("context.") for path in values):
            context = {name: values[f"context.{name}"] for name in declared}
        request = {
            "principal": f"{types[0]}::{json.dumps(ids[0])}",
            "action": f"Action::{json.dumps(action)}",
            "resource": f"{types[1]}::{json.dumps(ids[1])}",
            "context": context,
        }
        self.runs += 1
        return cedarpy.is_authorized_partial(
            request, self.policy_set(action), self.entities(types, ids, values), self.schema
        )


def holds(result: cedarpy.PartialAuthzResult, expect: str) -> bool:
    """True for the wanted definite decision, or for a deny when every permit left is sure
    not to apply; an error could hide a rule, so it never holds."""
    if result.diagnostics.errors:
        return False
    if expect == "deny" and not against(result, expect):
        return True
    wanted = cedarpy.Decision.Deny if expect == "deny" else cedarpy.Decision.Allow
    return bool(result.decision == wanted)


def against(result: cedarpy.PartialAuthzResult, expect: str) -> list[dict[str, Any]]:
    """The policies (Cedar's JSON form) that decide, or could decide, against ``expect``."""
    against = "permit" if expect == "deny" else "forbid"
    residuals: dict[str, Any] = result.residuals
    diagnostics = result.diagnostics
    decided = set(diagnostics.reasons)  # in partial evaluation: rules surely satisfied
    names = [*sorted(decided), *sorted(set(diagnostics.nontrivial_residuals) - decided)]
    found = [residuals[n] for n in names if residuals.get(n, {}).get("effect") == against]
    return [est for est in found if not cannot_apply(est)]


def against_ids(result: cedarpy.PartialAuthzResult, expect: str) -> set[str]:
    """The @ids of the rules that decide, or could decide, against ``expect``."""
    ids = {str(e.get("annotations", {}).get("id")) for e in against(result, expect)}
    return ids


def split_attributes(
    prover: Prover, prop: Property, types: tuple[str, str], result: cedarpy.PartialAuthzResult
) -> list[Fixed]:
    """Attributes to try value by value: the property's any_except ones, then every unknown
    String attribute the rules against it still test (Cedar's partial evaluation leaves
    some tests undecided, such as ``[].contains(unknown)``, that a value settles)."""
    split = [f for f in prop.fixed if f.any_except is not None and f.entity != "context"]
    named = {f.path for f in split}
    for d in walk(against(result, prop.expect)):
        if set(d) != {"unknown"}:
            continue
        path = str(d["unknown"][0]["Value"])
        role, _, attr = path.partition(".")
        etype = types[0] if role == "principal" else types[1]
        # A String the property fixes is never unknown, so this finds only open ones.
        known = prover.shape.attributes(etype).get(attr)
        if role in ("principal", "resource") and path not in named and known == "String":
            split.append(Fixed(path, any_except=()))
            named.add(path)
    return split


def context_candidates(prover: Prover, prop: Property, fixed: Fixed, action: str) -> list[Any]:
    """Every value a context String under ``any_except`` must be proved for: each constant
    the rules for ``action`` or the property name, and one neither names, less those
    excepted (the context is given whole, so no rule is left undecided on it to split on)."""
    rules = [p for p in prover.policies.values() if prover.may_match(p, action)]
    named = string_literals(rules)
    for other in prop.fixed:
        for value in (other.value, *other.one_of, *(other.any_except or ())):
            items = value if isinstance(value, list) else [value]
            named |= {v for v in items if isinstance(v, str)}
    fresh = f"(some other {fixed.attr})"
    return [v for v in sorted(named | {fresh}) if v not in (fixed.any_except or ())]


def candidates(
    prover: Prover, result: cedarpy.PartialAuthzResult, split: Fixed, types: tuple[str, str]
) -> list[Any] | str:
    """Every value the split attribute must be proved for, or why it cannot be enumerated."""
    undecided = [result.residuals.get(n) for n in result.diagnostics.nontrivial_residuals]
    if any("like" in d for d in walk(undecided)):
        return "a rule compares a value with a pattern (like), which enumeration cannot cover"
    fresh = f"(some other {split.attr})"  # one per attribute: fresh values differ
    literals = sorted(string_literals(undecided) | {fresh})
    allowed = [v for v in literals if v not in (split.any_except or ())]
    etype = types[0] if split.entity == "principal" else types[1]
    if prover.shape.attributes(etype)[split.attr] == "String":
        return list(allowed)
    if len(allowed) > MAX_ENUMERATED:
        return f"{split.path} could take {2 ** len(allowed)} different sets; too many to try"
    subsets = (itertools.combinations(allowed, n) for n in range(len(allowed) + 1))
    return [list(s) for s in itertools.chain.from_iterable(subsets)]
