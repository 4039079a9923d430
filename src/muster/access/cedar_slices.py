"""Cedar evaluation for portal decisions: only the rules that can apply, one call per group.

``PolicyEngine.decide`` asks Cedar about the whole station policy (every domain's rules,
86 of them when shipped). A portal decision has one action (``exit``, ``enter`` or
``pass``), and Cedar never evaluates a rule whose action scope excludes it: such a rule
can neither decide nor raise an error. So each engine keeps, per action, a policy set
holding only the rules whose scope admits that action (the whole set when the policy has
templates or action groups, where the scope alone does not say). The answer is the same;
the evaluation is about three times cheaper (bench/access.py).

Fail-closed rules are those of ``PolicyEngine.decide``: any exception, any evaluation
error, a ``NoDecision`` are denials with their reason. A group is asked in one
``is_authorized_batch`` call; if that call fails, each person is asked alone so that each
failure carries its own reason.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

import cedarpy

from muster.policy.engine import PolicyEngine, Verdict, rule_ids_of


@dataclass(frozen=True)
class PolicySlice:
    """The rules of one engine that can apply to one action, and their ``@id``s."""

    policies: cedarpy.PolicySet
    rule_ids: dict[str, str]


_lock = threading.Lock()
_slices: WeakKeyDictionary[PolicyEngine, dict[str, PolicySlice]] = WeakKeyDictionary()


def _admits(scope: dict[str, Any], action: str) -> bool:
    op = scope.get("op")
    if op == "==":
        return bool(scope.get("entity", {}).get("id") == action)
    if op == "in":
        listed = scope.get("entities") or [scope.get("entity", {})]
        return any(e.get("id") == action for e in listed)
    return True  # "All", or anything this code does not know: keep the rule


def _has_action_groups(schema_text: str) -> bool:
    """True if any action of the schema is a member of another (conservative: when unsure)."""
    bare = re.sub(r'"[^"]*"', '""', re.sub(r"//[^\n]*", "", schema_text))
    return "memberOf" in schema_text or re.search(r"\baction\b[^{;]*\bin\b", bare) is not None


def _build_slice(engine: PolicyEngine, action: str) -> PolicySlice:
    whole = PolicySlice(engine.policies, engine.rule_ids)
    if _has_action_groups(engine.schema_text):
        return whole  # "action in" a group may admit this action: keep every rule
    parsed = json.loads(cedarpy.policies_to_json_str(engine.policy_text))
    if parsed.get("templates") or parsed.get("templateLinks"):
        return whole
    kept = {
        key: body
        for key, body in parsed.get("staticPolicies", {}).items()
        if _admits(body.get("action", {}), action)
    }
    if not kept:
        return whole  # Cedar then answers NoDecision / deny exactly as with the whole set
    text = cedarpy.policies_from_json_str(
        json.dumps({"staticPolicies": kept, "templates": {}, "templateLinks": []})
    )
    return PolicySlice(cedarpy.PolicySet.from_str(text), rule_ids_of(text))


def policy_slice(engine: PolicyEngine, action: str) -> PolicySlice:
    """The rules of ``engine`` that can apply to ``action`` (built once per engine)."""
    with _lock:
        found = _slices.get(engine, {}).get(action)
    if found is not None:
        return found
    built = _build_slice(engine, action)
    with _lock:
        _slices.setdefault(engine, {})[action] = built
    return built


def _verdict(result: cedarpy.AuthzResult, rule_ids: dict[str, str]) -> Verdict:
    """Cedar's answer as a verdict, failing closed exactly as ``PolicyEngine.decide``."""
    rules = tuple(rule_ids.get(r, r) for r in result.diagnostics.reasons)
    errors = tuple(str(e) for e in result.diagnostics.errors)
    if errors:
        return Verdict(False, rules, errors, "policy evaluation error: " + "; ".join(errors))
    if result.decision == cedarpy.Decision.Allow:
        return Verdict(True, rules)
    if result.decision == cedarpy.Decision.Deny:
        return Verdict(False, rules, (), "" if rules else "no rule permits this")
    return Verdict(False, rules, (), "the policy engine reached no decision")


def _failed(exc: Exception) -> Verdict:
    return Verdict(False, (), (str(exc),), f"the policy engine failed: {exc}")


def _request(action: str, person_id: str, portal_id: str, context: Any) -> dict[str, Any]:
    return {
        "principal": {"type": "Person", "id": person_id},
        "action": {"type": "Action", "id": action},
        "resource": {"type": "Portal", "id": portal_id},
        "context": context,
    }


def authorize_one(
    engine: PolicyEngine,
    *,
    action: str,
    person: dict[str, Any],
    portal: dict[str, Any],
    context: dict[str, Any],
) -> Verdict:
    """One person's request at a portal (``person`` and ``portal`` are Cedar entities)."""
    rules = policy_slice(engine, action)
    request = _request(action, person["uid"]["id"], portal["uid"]["id"], context)
    try:
        entities = json.dumps([person, portal])
        result = cedarpy.is_authorized(request, rules.policies, entities, engine.schema)
    except Exception as exc:
        return _failed(exc)
    return _verdict(result, rules.rule_ids)


def authorize_group(
    engine: PolicyEngine,
    *,
    action: str,
    portal: dict[str, Any],
    asks: list[tuple[dict[str, Any], dict[str, Any]]],
) -> list[Verdict]:
    """Requests of several persons at one portal, ``asks`` being (person entity, context)
    pairs: one Cedar call for all; each alone if that call fails."""
    if len(asks) == 1:
        person, context = asks[0]
        return [authorize_one(engine, action=action, person=person, portal=portal, context=context)]
    rules = policy_slice(engine, action)
    portal_id = portal["uid"]["id"]
    unique = {p["uid"]["id"]: p for p, _ in asks}
    try:
        entities = json.dumps([*unique.values(), portal])
        requests = [_request(action, p["uid"]["id"], portal_id, json.dumps(ctx)) for p, ctx in asks]
        results = cedarpy.is_authorized_batch(requests, rules.policies, entities, engine.schema)
    except Exception:
        return [
            authorize_one(engine, action=action, person=p, portal=portal, context=c)
            for p, c in asks
        ]
    return [_verdict(r, rules.rule_ids) for r in results]
