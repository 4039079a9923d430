"""Proofs that a policy keeps the station's safety properties, for every attribute value.

For each property and each of its actions, the principal and the resource are built from
the schema with every declared attribute unknown except the ones the property fixes, and
the whole context unknown; Cedar's partial evaluation then decides what it can. A definite
Deny (or Allow, if that is what the property demands) proves the property for every value
of every unknown. Anything else leaves residual rules, which are reported: the rules that
could still permit, in words and in Cedar.

Values the policy can only compare with constants are enumerated where a property asks for
"anything but" (``any_except``): every constant the undecided rules mention, plus one value
they do not mention, stands for all values; for a set, every combination of those. The
principal's and resource's ids are enumerated the same way: a fresh id and every id of that
type the policy names.

Partial evaluation is an experimental Cedar feature (pinned with cedarpy, tested here).
Decisions never use it; only proofs do.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any

import cedarpy

from muster.access.proofs_eval import (
    MAX_CASES,
    Prover,
    against,
    against_ids,
    candidates,
    context_candidates,
    holds,
    split_attributes,
)
from muster.access.proofs_properties import Property, property_problems
from muster.access.proofs_residuals import condition_text, policy_text
from muster.access.proofs_schema import read_schema
from muster.errors import Invalid
from muster.policy.engine import validate_policy

PROVED, FAILED, NOT_APPLICABLE = "proved", "failed", "not applicable"


@dataclass(frozen=True)
class ProofResidual:
    """A rule that could still decide against the property, in words and in Cedar."""

    rule_id: str
    effect: str
    words: str
    cedar: str


@dataclass(frozen=True)
class ProofFailure:
    """One case the property does not hold for: the action and the fixed values."""

    action: str
    case: str
    residuals: tuple[ProofResidual, ...]
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProofResult:
    """A property's outcome on one policy: proved, failed (with why) or not applicable."""

    property_id: str
    says: str
    status: str
    explanation: str
    failures: tuple[ProofFailure, ...] = ()
    runs: int = 0

    @property
    def proved(self) -> bool:
        """True if the property holds for every value of everything it leaves unknown."""
        return bool(self.status == PROVED)

    @property
    def blocks_activation(self) -> bool:
        """True if a policy with this result must not be activated without an override."""
        return bool(self.status == FAILED)


def _failure(
    prover: Prover,
    result: cedarpy.PartialAuthzResult,
    prop: Property,
    action: str,
    case: str,
    note: str = "",
    only: set[str] | None = None,
) -> ProofFailure:
    """The rules that could still decide against the property, in words and in Cedar."""
    residuals = []
    for est in against(result, prop.expect):
        if only and est.get("annotations", {}).get("id") not in only:
            continue
        rule_id = str(est.get("annotations", {}).get("id", "?"))
        cedar = policy_text(est)
        condition = condition_text(cedar)
        verb = "permit" if est["effect"] == "permit" else "forbid"
        if condition == "always":  # decided outright: show the rule as written
            cedar = policy_text(prover.rule(rule_id) or est)
            words = f"rule {rule_id} would {verb} {action} outright"
        else:
            words = f"rule {rule_id} could still {verb} {action} when {condition}"
        residuals.append(ProofResidual(rule_id, str(est["effect"]), words, cedar))
    errors = tuple(str(e) for e in result.diagnostics.errors) + ((note,) if note else ())
    return ProofFailure(action, case, tuple(residuals), errors)


def _words(values: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {json.dumps(v)}" for k, v in values.items()) or "nothing fixed"


def _refute(
    prover: Prover,
    prop: Property,
    action: str,
    types: tuple[str, str],
    ids: tuple[str, str],
    values: dict[str, Any],
    budget: list[int],
) -> tuple[dict[str, Any], cedarpy.PartialAuthzResult, str] | None:
    """Values for which the property is not shown to hold (None: it holds for all).

    Where Cedar leaves a rule undecided on a value it can only compare with constants, the
    case is split on that value, one attribute at a time, like a decision tree.
    """
    result = prover.evaluate(action, types, ids, values)
    budget[0] -= 1
    if holds(result, prop.expect):
        return None
    splits = [f for f in split_attributes(prover, prop, types, result) if f.path not in values]
    if not splits or result.decision != cedarpy.Decision.NoDecision:
        return values, result, ""
    split = splits[0]
    values_to_try = candidates(prover, result, split, types)
    if isinstance(values_to_try, str):
        return values, result, values_to_try
    for value in values_to_try:
        if budget[0] <= 0:
            return values, result, f"more than {MAX_CASES} cases; too many to try"
        found = _refute(prover, prop, action, types, ids, {**values, split.path: value}, budget)
        if found is not None:
            return found
    return None


def _prove_case(
    prover: Prover,
    prop: Property,
    action: str,
    types: tuple[str, str],
    ids: tuple[str, str],
    values: dict[str, Any],
) -> ProofFailure | None:
    """Prove one combination of fixed values; the failure if it does not hold."""
    found = _refute(prover, prop, action, types, ids, values, [MAX_CASES])
    if found is None:
        return None
    case_values, leaf, note = found
    named = [
        f"{role} = {etype}::{json.dumps(eid)}"
        for role, etype, eid in zip(("principal", "resource"), types, ids, strict=True)
        if eid != f"proof-{role}"  # an entity the policy names, not any entity
    ]
    case = ", ".join([*named, _words(case_values)])
    if case_values == values:
        return _failure(prover, leaf, prop, action, case, note)
    # The rules as they stand with only the property's values fixed, and the first
    # values found for which they are not refuted.
    top = prover.evaluate(action, types, ids, values)
    return _failure(prover, top, prop, action, case, note, against_ids(leaf, prop.expect))


def _prove_action(prover: Prover, prop: Property, action: str) -> list[ProofFailure] | str:
    """Failures of the property for one action (empty: proved), or why it cannot be tried."""
    shape = prover.shape.actions[action]
    # Each value proved in turn: one_of values, and a context String's candidates (the
    # context is given whole, so Cedar leaves nothing undecided on it to split on).
    each = [(f, list(f.one_of)) for f in prop.fixed if f.one_of]
    each += [
        (f, context_candidates(prover, prop, f, action))
        for f in prop.fixed
        if f.entity == "context" and f.any_except is not None
    ]
    base = {f.path: f.value for f in prop.fixed if not f.one_of and f.any_except is None}
    failures: list[ProofFailure] = []
    for types in itertools.product(shape.principals, shape.resources):
        if problems := property_problems(prop, prover.shape, types, action):
            return "; ".join(problems)
        ids_each = itertools.product(
            prover.ids_of(types[0], "principal"), prover.ids_of(types[1], "resource")
        )
        for ids, combo in itertools.product(ids_each, itertools.product(*(v for _, v in each))):
            values = {**base, **{f.path: v for (f, _), v in zip(each, combo, strict=True)}}
            failure = _prove_case(prover, prop, action, types, ids, values)
            if failure is not None:
                failures.append(failure)
                break  # one counterexample per action and entity types is enough
    return failures


def prove_property(prover: Prover, prop: Property) -> ProofResult:
    """Prove one property against the prover's policy."""
    start = prover.runs
    present = [a for a in prop.actions if a in prover.shape.actions]
    missing = [a for a in prop.actions if a not in prover.shape.actions]
    if not present:
        return ProofResult(
            prop.id,
            prop.says,
            NOT_APPLICABLE,
            f"not applicable: action {', '.join(missing)} not in schema",
        )
    failures: list[ProofFailure] = []
    for action in present:
        outcome = _prove_action(prover, prop, action)
        if isinstance(outcome, str):
            why = f"cannot be proved for {action}: {outcome}"
            return ProofResult(prop.id, prop.says, FAILED, why, runs=prover.runs - start)
        failures.extend(outcome)
    runs = prover.runs - start
    if not failures:
        note = f" (action {', '.join(missing)} not in schema, skipped)" if missing else ""
        return ProofResult(
            prop.id, prop.says, PROVED, f"proved for {', '.join(present)}{note}", runs=runs
        )
    parts = []
    for f in failures:
        rules = "; ".join(r.words for r in f.residuals) or "; ".join(f.errors) or "no rule decides"
        parts.append(f"{f.action} with {f.case}: {rules}")
    explanation = f"not proved: {prop.says} Counterexamples: " + " | ".join(parts)
    return ProofResult(prop.id, prop.says, FAILED, explanation, tuple(failures), runs)


def prove_policy(
    policy_text: str, schema_text: str, properties: list[Property]
) -> list[ProofResult]:
    """Check every property against a policy; Invalid if the policy does not match the schema."""
    try:
        schema = cedarpy.Schema.from_str(schema_text)
    except Exception as exc:  # cedarpy raises ValueError with the parser's message
        raise Invalid(f"the Cedar schema does not parse: {exc}") from exc
    validate_policy(policy_text, schema)
    parsed = json.loads(cedarpy.policies_to_json_str(policy_text))
    prover = Prover(schema, read_schema(schema_text), parsed.get("staticPolicies", {}))
    return [prove_property(prover, prop) for prop in properties]


def failed(results: list[ProofResult]) -> list[ProofResult]:
    """The results that keep a policy from being activated."""
    return [r for r in results if r.blocks_activation]
