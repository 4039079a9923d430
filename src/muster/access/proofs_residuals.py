"""Residual policies of a partial evaluation, made readable, and the literals they mention.

Cedar returns each undecided rule as a policy in its JSON form, with the unknowns inside
and every decided sub-expression folded to ``true`` or ``false``. These helpers fold the
leftover ``true && ...`` away, write the unknowns back as the attributes they stand for
(``unknown("principal.held")`` becomes ``principal.held``) and print the rule as Cedar.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import cedarpy

TRUE: dict[str, Any] = {"Value": True}
FALSE: dict[str, Any] = {"Value": False}
_ATTRIBUTE_PARENS = re.compile(r"(?<![\w)])\(((?:principal|resource|context)(?:\.\w+)*)\)")
_CONDITION = re.compile(r"\b(?:when|unless)\s*\{\s*(.*)\s*\}\s*;\s*$", re.DOTALL)


def _attribute(name: str) -> dict[str, Any]:
    """The expression an unknown named "principal.held" (or "context") stands for."""
    head, *attrs = name.split(".")
    expr: dict[str, Any] = {"Var": head}
    for attr in attrs:
        expr = {".": {"left": expr, "attr": attr}}
    return expr


def simplify(expr: Any) -> Any:
    """Fold constant ``&&``, ``||`` and ``!`` and name the unknowns, recursively."""
    if isinstance(expr, list):
        return [simplify(e) for e in expr]
    if not isinstance(expr, dict):
        return expr
    if set(expr) == {"unknown"}:
        return _attribute(str(expr["unknown"][0]["Value"]))
    if set(expr) in ({"&&"}, {"||"}):
        op = next(iter(expr))
        left, right = simplify(expr[op]["left"]), simplify(expr[op]["right"])
        unit, zero = (TRUE, FALSE) if op == "&&" else (FALSE, TRUE)
        if zero in (left, right):
            return zero
        if left == unit:
            return right
        if right == unit:
            return left
        return {op: {"left": left, "right": right}}
    if set(expr) == {"!"}:
        arg = simplify(expr["!"]["arg"])
        if arg in (TRUE, FALSE):
            return FALSE if arg == TRUE else TRUE
        return {"!": {"arg": arg}}
    return {k: simplify(v) for k, v in expr.items()}


def cannot_apply(est: dict[str, Any]) -> bool:
    """True if a residual rule surely does not apply: a ``when`` folds to false or an
    ``unless`` to true. Cedar leaves ``unknown && false`` unfolded; whatever the unknown,
    the rule is false or errors, and a rule that errors is skipped: either way it decides
    nothing."""
    for condition in est.get("conditions", []):
        body = simplify(condition.get("body"))
        if body == (FALSE if condition.get("kind") == "when" else TRUE):
            return True
    return False


def policy_text(est: dict[str, Any]) -> str:
    """One policy (Cedar's JSON form) as Cedar text, conditions simplified."""
    clean = dict(est)
    conditions = [
        {"kind": c["kind"], "body": simplify(c["body"])} for c in est.get("conditions", [])
    ]
    clean["conditions"] = [
        c
        for c in conditions
        if not (c["kind"] == "when" and c["body"] == TRUE)
        and not (c["kind"] == "unless" and c["body"] == FALSE)
    ]
    doc = {"staticPolicies": {"p": clean}, "templates": {}, "templateLinks": []}
    text = str(cedarpy.policies_from_json_str(json.dumps(doc))).strip()
    return _ATTRIBUTE_PARENS.sub(r"\1", text)


def condition_text(cedar: str) -> str:
    """The condition of a one-rule policy text ("always" when it has none)."""
    match = _CONDITION.search(cedar)
    return " ".join(match.group(1).split()) if match else "always"


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every mapping inside a JSON value, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def string_literals(node: Any) -> set[str]:
    """Every string constant an expression compares against."""
    return {d["Value"] for d in walk(node) if isinstance(d.get("Value"), str) and len(d) == 1}


def entity_literals(node: Any, entity_type: str) -> set[str]:
    """Ids of every entity of ``entity_type`` a policy names (in its scope or conditions)."""
    found: set[str] = set()
    for d in walk(node):
        ref = d.get("__entity", d)
        if isinstance(ref, dict) and set(ref) == {"type", "id"} and ref["type"] == entity_type:
            found.add(str(ref["id"]))
    return found
