"""Safety properties of the policy, read from ``policies/properties.yaml``.

A property names itself in words, the actions it is about, the attributes it fixes and
the decision that must follow for every value of everything else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from muster.access.proofs_schema import SchemaShape
from muster.errors import Invalid

PROPERTIES_FILE = Path(__file__).resolve().parent / "policies" / "properties.yaml"
DECISIONS = ("deny", "allow")


@dataclass(frozen=True)
class Fixed:
    """One attribute a property fixes: a value, each of several, or anything but some."""

    path: str  # "principal.held", "resource.mode", "context.escort_present"
    value: Any = None
    one_of: tuple[Any, ...] = ()
    any_except: tuple[str, ...] | None = None

    @property
    def entity(self) -> str:
        """ "principal", "resource" or "context"."""
        return self.path.split(".", 1)[0]

    @property
    def attr(self) -> str:
        """The attribute's name."""
        return self.path.split(".", 1)[1]

    def words(self) -> str:
        """The constraint as a person reads it."""
        if self.any_except is not None:
            return f"{self.path} anything but {', '.join(map(repr, self.any_except)) or '-'}"
        if self.one_of:
            return f"{self.path} each of {', '.join(map(repr, self.one_of))}"
        return f"{self.path} = {self.value!r}"


@dataclass(frozen=True)
class Property:
    """A safety property: in words, its actions, what it fixes, the decision it demands."""

    id: str
    says: str
    actions: tuple[str, ...]
    fixed: tuple[Fixed, ...]
    expect: str = "deny"
    why: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _fixed(path: str, raw: Any, where: str) -> Fixed:
    head = path.split(".", 1)
    if len(head) != 2 or head[0] not in ("principal", "resource", "context") or not head[1]:
        raise Invalid(
            f"{where}: {path!r} must be principal.<attribute>, resource.<attribute> or "
            "context.<attribute> (a property fixing one context attribute fixes them all)"
        )
    if isinstance(raw, dict):
        if set(raw) == {"one_of"} and isinstance(raw["one_of"], list) and raw["one_of"]:
            return Fixed(path, one_of=tuple(raw["one_of"]))
        if set(raw) == {"any_except"} and isinstance(raw["any_except"], list):
            return Fixed(path, any_except=tuple(str(v) for v in raw["any_except"]))
        raise Invalid(f"{where}: {path} takes a value, {{one_of: [...]}} or {{any_except: [...]}}")
    return Fixed(path, value=raw)


def parse_properties(text: str) -> list[Property]:
    """Read a properties file; Invalid, naming the property, if anything is malformed."""
    try:
        doc = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise Invalid(f"the properties file is not YAML: {exc}") from exc
    items = doc.get("properties") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise Invalid("the properties file needs a list under 'properties:'")
    seen: set[str] = set()
    result: list[Property] = []
    for index, item in enumerate(items, 1):
        where = f"property {index}"
        if not isinstance(item, dict):
            raise Invalid(f"{where} is not a mapping")
        pid = str(item.get("id") or "")
        where = f"property {pid or index}"
        if not pid or pid in seen:
            raise Invalid(f"{where}: every property needs a unique id")
        seen.add(pid)
        actions = item.get("actions")
        fix = item.get("fix") or {}
        expect = str(item.get("expect", "deny"))
        if not item.get("says"):
            raise Invalid(f"{where}: say in words what it means ('says:')")
        if not isinstance(actions, list) or not actions:
            raise Invalid(f"{where}: name its actions ('actions: [exit]')")
        if not isinstance(fix, dict):
            raise Invalid(f"{where}: 'fix:' maps attributes to values")
        if expect not in DECISIONS:
            raise Invalid(f"{where}: expect must be one of {', '.join(DECISIONS)}")
        result.append(
            Property(
                id=pid,
                says=" ".join(str(item["says"]).split()),
                actions=tuple(str(a) for a in actions),
                fixed=tuple(_fixed(str(k), v, where) for k, v in fix.items()),
                expect=expect,
                why=" ".join(str(item.get("why", "")).split()),
            )
        )
    return result


def _check_value(fixed: Fixed, kind: str, value: Any) -> str | None:
    ok = {
        "Bool": isinstance(value, bool),
        "String": isinstance(value, str),
        "Long": isinstance(value, int) and not isinstance(value, bool),
    }.get(kind)
    if kind.startswith("Set<"):
        ok = isinstance(value, list)
    if ok is None or not ok:
        return f"{fixed.path} is declared {kind}; {value!r} is not a value of it"
    return None


def property_problems(
    prop: Property, shape: SchemaShape, types: tuple[str, str], action: str = ""
) -> list[str]:
    """Why the property cannot be proved on these entity types (and this action's context)
    as the schema declares them."""
    problems: list[str] = []
    context = shape.actions[action].context if action in shape.actions else {}
    declared = {
        "principal": shape.attributes(types[0]),
        "resource": shape.attributes(types[1]),
        "context": context,
    }
    in_context = {f.attr for f in prop.fixed if f.entity == "context"}
    # Cedar validates a request's context whole: it is wholly unknown or wholly given.
    if in_context and in_context != set(context):
        missing = sorted(set(context) - in_context)
        if missing:
            problems.append(
                f"it fixes part of the context of {action}; fix every context attribute "
                f"(also {', '.join(missing)}), with {{one_of: [...]}} or {{any_except: []}}"
            )
    for role, etype in zip(("principal", "resource"), types, strict=True):
        optional = [a for a, k in declared[role].items() if k.endswith("?")]
        if optional:
            problems.append(f"{etype} has optional attributes ({', '.join(optional)})")
    for fixed in prop.fixed:
        kind = declared[fixed.entity].get(fixed.attr)
        if kind is None:
            where = {"principal": types[0], "resource": types[1]}.get(fixed.entity, action)
            problems.append(f"it fixes {fixed.path}, which the schema does not declare on {where}")
            continue
        if fixed.any_except is not None and kind not in ("String", "Set<String>"):
            problems.append(f"any_except needs a String or Set<String>; {fixed.path} is {kind}")
        for value in fixed.one_of or (() if fixed.any_except is not None else (fixed.value,)):
            if (problem := _check_value(fixed, kind, value)) is not None:
                problems.append(problem)
    return problems


def shipped_properties_text() -> str:
    """The properties file of this version of Muster."""
    return PROPERTIES_FILE.read_text()


def shipped_properties() -> list[Property]:
    """The properties in force."""
    return parse_properties(shipped_properties_text())
