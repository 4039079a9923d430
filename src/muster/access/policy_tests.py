"""Policy tests, like ``opa test``: YAML cases decided against a policy, failures explained.

A case file holds ``cases:``, each with a ``name``, who asks (``person`` attributes, or an
``operator`` with roles), where (``portal`` attributes or a ``resource``), the ``direction``
or ``action``, optional ``context``, and ``expect: allow|deny`` (optionally ``rules``).
Attributes not given take the defaults below, so a case states only what it is about.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from muster.access.enums import Direction, cedar_action
from muster.errors import Invalid
from muster.policy.engine import PolicyEngine

PERSON_DEFAULTS: dict[str, Any] = {
    "affiliation": "resident",
    "consent_required": False,
    "status": "active",
    "party_id": "",
    "held": False,
    "duty_pass_current": False,
    "transfer_vessel_ids": [],
    "visit_current": False,
    "visit_zone_ids": [],
}
PORTAL_DEFAULTS: dict[str, Any] = {
    "kind": "airlock",
    "mode": "normal",
    "inside_zone_id": "inside",
    "outside_zone_id": "outside",
    "vessel_party_id": "",
}
CONTEXT_DEFAULTS: dict[str, Any] = {"passback": False, "escort_present": False}
OPERATOR_DEFAULTS: dict[str, Any] = {"roles": [], "person_id": "", "kind": "account"}


@dataclass(frozen=True)
class CaseResult:
    """One case's outcome."""

    source: str
    name: str
    passed: bool
    expected: str
    got: str
    rules: tuple[str, ...]
    message: str


def _entity(kind: str, uid: str, defaults: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(given) - set(defaults))
    if unknown and kind != "resource":
        raise Invalid(f"unknown {kind} attribute(s): {', '.join(unknown)}")
    return {"uid": {"type": kind, "id": uid}, "attrs": {**defaults, **given}, "parents": []}


def _person_request(case: dict[str, Any]) -> dict[str, Any]:
    portal = _entity("Portal", "portal", PORTAL_DEFAULTS, case.get("portal") or {})
    action = case.get("action") or cedar_action(
        portal["attrs"]["kind"], Direction(case.get("direction", "exit"))
    )
    direction = case.get("direction", "exit")
    target = portal["attrs"]["outside_zone_id" if direction == "exit" else "inside_zone_id"]
    return {
        "principal": ("Person", "person"),
        "action": action,
        "resource": ("Portal", "portal"),
        "context": {**CONTEXT_DEFAULTS, "target_zone_id": target, **(case.get("context") or {})},
        "entities": [
            _entity("Person", "person", PERSON_DEFAULTS, case.get("person") or {}),
            portal,
        ],
    }


def _operator_request(case: dict[str, Any]) -> dict[str, Any]:
    resource = case.get("resource") or {"type": "Station", "attrs": {}}
    if "action" not in case:
        raise Invalid("an operator case names its action")
    return {
        "principal": ("Operator", "operator"),
        "action": case["action"],
        "resource": (resource["type"], "resource"),
        "context": case.get("context") or {},
        "entities": [
            _entity("Operator", "operator", OPERATOR_DEFAULTS, case.get("operator") or {}),
            {
                "uid": {"type": resource["type"], "id": "resource"},
                "attrs": resource.get("attrs", {}),
                "parents": [],
            },
        ],
    }


def run_case(engine: PolicyEngine, case: dict[str, Any], source: str = "") -> CaseResult:
    """Decide one case and compare with what it expects."""
    name = str(case.get("name", "(unnamed case)"))
    expected = str(case.get("expect", "")).lower()
    if expected not in ("allow", "deny"):
        return CaseResult(source, name, False, expected, "-", (), "expect must be allow or deny")
    try:
        request = _operator_request(case) if "operator" in case else _person_request(case)
    except (Invalid, ValueError, KeyError) as exc:
        return CaseResult(source, name, False, expected, "-", (), f"bad case: {exc}")
    verdict = engine.decide(**request)
    got = "allow" if verdict.allowed else "deny"
    problems = []
    if got != expected:
        problems.append(f"expected {expected}, got {got}")
    want_rules = case.get("rules")
    if want_rules is not None and sorted(want_rules) != sorted(verdict.rule_ids):
        problems.append(f"expected rules {sorted(want_rules)}")
    if verdict.errors:
        problems.append("errors: " + "; ".join(verdict.errors))
    message = "; ".join(problems)
    if message:
        message += f" (deciding rules: {', '.join(verdict.rule_ids) or 'none'})"
    return CaseResult(source, name, not problems, expected, got, verdict.rule_ids, message)


def load_cases(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """Cases of a YAML file, or of every ``*.yaml``/``*.yml`` under a directory."""
    files = sorted(path.rglob("*.y*ml")) if path.is_dir() else [path]
    cases: list[tuple[str, dict[str, Any]]] = []
    for file in files:
        try:
            data = yaml.safe_load(file.read_text()) or {}
        except yaml.YAMLError as exc:
            raise Invalid(f"{file}: not valid YAML: {exc}") from exc
        for case in data.get("cases", []) if isinstance(data, dict) else []:
            if not isinstance(case, dict):
                raise Invalid(f"{file}: each case is a mapping")
            cases.append((str(file), case))
    if not cases:
        raise Invalid(f"no cases found in {path}; case files hold a 'cases:' list")
    return cases


def run_cases(engine: PolicyEngine, cases: list[tuple[str, dict[str, Any]]]) -> list[CaseResult]:
    """Run every case."""
    return [run_case(engine, case, source) for source, case in cases]
