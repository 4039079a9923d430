"""The Cedar policy engine: parsed once, decides fail-closed.

Every decision Muster makes by policy, at an airlock or for an operator's action, comes
through ``PolicyEngine.decide``. Any doubt is a deny: a Cedar ``NoDecision``, any
evaluation error (even in a rule that did not decide), entities that do not match the
schema. The shipped policy and schema are the ``*.cedar`` and ``*.cedarschema`` files in
each domain's ``policies/`` folder, read in a fixed order and joined.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import cedarpy

from muster.errors import Invalid
from muster.policy.locate import Location, locate_parse_error, locate_rule_problem
from muster.policy.shape import check_policy_shape

PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def shipped_files(suffix: str) -> list[Path]:
    """The shipped policy or schema files, domain by domain in name order."""
    return sorted(PACKAGE_ROOT.glob(f"*/policies/*{suffix}"))


def shipped_schema_text() -> str:
    """The Cedar schema of this version of Muster."""
    return "\n".join(p.read_text() for p in shipped_files(".cedarschema"))


def shipped_policy_text() -> str:
    """The station's default policy, as shipped."""
    parts = [
        f"// ---- {p.parent.parent.name}/{p.name} ----\n{p.read_text()}"
        for p in shipped_files(".cedar")
    ]
    return "\n".join(parts)


@dataclass(frozen=True)
class Verdict:
    """One decision: allowed or not, the rules that decided it, and any fail-closed reason."""

    allowed: bool
    rule_ids: tuple[str, ...]
    errors: tuple[str, ...] = ()
    reason: str = ""


def rule_ids_of(policy_text: str) -> dict[str, str]:
    """Map Cedar's policy ids (policy0, ...) to each rule's ``@id``; refuse rules lacking one."""
    check_policy_shape(policy_text)  # before the parser, which a deep draft would crash
    try:
        parsed = json.loads(cedarpy.policies_to_json_str(policy_text))
    except Exception as exc:  # cedarpy raises plain exceptions on parse errors
        where = locate_parse_error(policy_text, str(exc))
        raise Invalid(
            f"the policy does not parse at {where.label()}: {exc}",
            problems=[f"{where.label()}: {exc}"],
            locations=[where.as_dict()],
        ) from exc
    ids: dict[str, str] = {}
    missing: list[str] = []
    located: list[Location | None] = []
    for internal, body in parsed.get("staticPolicies", {}).items():
        rule_id = body.get("annotations", {}).get("id")
        if not rule_id:
            missing.append(f"{body.get('effect', 'rule')} #{internal.removeprefix('policy')}")
            located.append(locate_rule_problem(policy_text, internal, 'no @id("...")'))
        else:
            ids[internal] = rule_id
    if missing:
        _refuse(
            f'every rule needs an @id("...") annotation; missing on: {", ".join(missing)}',
            located,
        )
    dupes = sorted({i for i in ids.values() if list(ids.values()).count(i) > 1})
    if dupes:
        seen: set[str] = set()
        for internal, rule_id in ids.items():
            if rule_id in dupes and rule_id in seen:
                again = locate_rule_problem(policy_text, internal, f"the @id {rule_id!r} again")
                located.append(again)
            seen.add(rule_id)
        _refuse(f"rule ids must be unique; repeated: {', '.join(dupes)}", located)
    return ids


def _refuse(message: str, located: list[Location | None]) -> NoReturn:
    """Refuse the policy: the message, then each rule it is about with its line and column."""
    where = [w for w in located if w is not None]
    problems = [message, *(f"{w.label()}: {w.message}" for w in where)]
    raise Invalid(message, problems=problems, locations=[w.as_dict() for w in where])


def validate_policy(policy_text: str, schema: cedarpy.Schema) -> dict[str, str]:
    """Check a policy against the schema; return its rule ids or raise Invalid with each problem."""
    ids = rule_ids_of(policy_text)
    result = cedarpy.validate_policies(policy_text, schema)
    if not result.validation_passed:
        problems = []
        locations = []
        for error in result.errors:
            text = str(error)
            for internal, rule_id in ids.items():
                text = text.replace(f"[{internal}]", f"[{rule_id}]").replace(
                    f"`{internal}`", f"`{rule_id}`"
                )
            where = locate_rule_problem(
                policy_text, error.policy_id, text, cedar_message=str(error)
            )
            if where is not None:
                locations.append(where.as_dict())
                text = f"{where.label()}: {text}"
            problems.append(text)
        raise Invalid(
            "the policy does not match the schema: " + "; ".join(problems),
            problems=problems,
            locations=locations,
        )
    return ids


class PolicyEngine:
    """A validated policy and its schema, parsed once and reused for every decision."""

    def __init__(self, *, policy_text: str, schema_text: str, version: str) -> None:
        try:
            self.schema = cedarpy.Schema.from_str(schema_text)
        except Exception as exc:
            raise Invalid(f"the Cedar schema does not parse: {exc}") from exc
        self.rule_ids = validate_policy(policy_text, self.schema)
        self.policies = cedarpy.PolicySet.from_str(policy_text)
        self.policy_text = policy_text
        self.schema_text = schema_text
        self.version = version

    def decide(
        self,
        *,
        principal: tuple[str, str],
        action: str,
        resource: tuple[str, str],
        context: dict[str, Any],
        entities: list[dict[str, Any]],
    ) -> Verdict:
        """Decide one request. Anything but a clean Allow is a deny with its reason."""
        request = {
            "principal": {"type": principal[0], "id": principal[1]},
            "action": {"type": "Action", "id": action},
            "resource": {"type": resource[0], "id": resource[1]},
            "context": context,
        }
        try:
            result = cedarpy.is_authorized(request, self.policies, entities, self.schema)
        except Exception as exc:
            return Verdict(False, (), (str(exc),), f"the policy engine failed: {exc}")
        rules = tuple(self.rule_ids.get(r, r) for r in result.diagnostics.reasons)
        errors = tuple(str(e) for e in result.diagnostics.errors)
        if errors:
            return Verdict(False, rules, errors, "policy evaluation error: " + "; ".join(errors))
        if result.decision == cedarpy.Decision.Allow:
            return Verdict(True, rules)
        if result.decision == cedarpy.Decision.Deny:
            return Verdict(False, rules, (), "" if rules else "no rule permits this")
        return Verdict(False, rules, (), "the policy engine reached no decision")


_lock = threading.Lock()
_active: PolicyEngine | None = None
_shipped: PolicyEngine | None = None


def shipped_engine() -> PolicyEngine:
    """The shipped default policy, parsed and validated once per process (its files are part
    of the installed package and do not change while it runs)."""
    global _shipped
    with _lock:
        if _shipped is None:
            _shipped = PolicyEngine(
                policy_text=shipped_policy_text(),
                schema_text=shipped_schema_text(),
                version="shipped",
            )
        return _shipped


def active_engine() -> PolicyEngine:
    """The engine in force: the activated policy, or the shipped default until one is."""
    with _lock:
        active = _active
    return active if active is not None else shipped_engine()


def install_engine(engine: PolicyEngine | None) -> None:
    """Put ``engine`` in force (None: back to the shipped default on next use)."""
    global _active
    with _lock:
        _active = engine
