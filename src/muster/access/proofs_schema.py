"""The shape of a Cedar schema as proofs need it: entity attributes and action signatures.

cedarpy parses a schema but does not expose its contents, so this reads the canonical text
that ``str(cedarpy.Schema)`` renders (one declaration per paragraph, two spaces per level).
Reading the canonical rendering, not the author's text, keeps the parser small: comments,
line breaks and grouped ``action "a", "b"`` declarations are already normalised away.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import cedarpy

from muster.errors import Invalid

_ENTITY = re.compile(r'^entity "?([\w:]+)"?(?: in \[(.*?)\])?(?: = \{(.*)\})?;$', re.DOTALL)
_ACTION = re.compile(r'^action "(.+?)"(?: in \[(.*?)\])?(?: appliesTo \{(.*)\})?;$', re.DOTALL)
_ATTR = re.compile(r'^"?([\w]+)"?(\?)?: (.+?),?$')
_TYPES = re.compile(r"(principal|resource): \[(.*?)\]")


@dataclass(frozen=True)
class ActionShape:
    """What an action applies to: principal types, resource types, context attributes."""

    name: str
    principals: tuple[str, ...]
    resources: tuple[str, ...]
    context: dict[str, str]
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class SchemaShape:
    """Entity types with their attributes (name -> Cedar type) and the actions."""

    entities: dict[str, dict[str, str]]
    actions: dict[str, ActionShape]
    parents: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def attributes(self, entity_type: str) -> dict[str, str]:
        """The attributes an entity type declares (none for an undeclared type)."""
        return self.entities.get(entity_type, {})

    @property
    def has_hierarchy(self) -> bool:
        """True if any entity or action may have parents (``in`` could then reach them)."""
        return any(self.parents.values()) or any(a.groups for a in self.actions.values())


def _attributes(body: str, indent: int) -> dict[str, str]:
    """Attributes at one nesting level of a record body (nested records read as "Record")."""
    attrs: dict[str, str] = {}
    prefix = " " * indent
    for line in body.splitlines():
        if not line.startswith(prefix) or line.startswith(prefix + " "):
            continue
        match = _ATTR.match(line.strip())
        if match is None:
            continue
        kind = match.group(3).rstrip(",")
        kind = "Record" if kind.startswith("{") else kind
        # An optional attribute is marked "?": a proof cannot model its absence.
        attrs[match.group(1)] = kind + ("?" if match.group(2) else "")
    return attrs


def _names(listed: str | None) -> tuple[str, ...]:
    if not listed:
        return ()
    names = (n.strip().removeprefix("Action::") for n in listed.split(","))
    return tuple(n.strip('"') for n in names if n)


def read_schema(schema_text: str) -> SchemaShape:
    """Parse a Cedar schema (Invalid if it does not parse) and return its shape."""
    try:
        canonical = str(cedarpy.Schema.from_str(schema_text))
    except Exception as exc:  # cedarpy raises ValueError with the parser's message
        raise Invalid(f"the Cedar schema does not parse: {exc}") from exc
    entities: dict[str, dict[str, str]] = {}
    parents: dict[str, tuple[str, ...]] = {}
    actions: dict[str, ActionShape] = {}
    for block in (b.strip() for b in canonical.split("\n\n")):
        if block.startswith("namespace"):
            raise Invalid("proofs support schemas without namespaces only")
        if (match := _ENTITY.match(block)) is not None:
            name = match.group(1)
            entities[name] = _attributes(match.group(3) or "", 2)
            parents[name] = _names(match.group(2))
        elif (match := _ACTION.match(block)) is not None:
            body = match.group(3) or ""
            types = {k: _names(v) for k, v in _TYPES.findall(body)}
            context_body = body.split("context: {", 1)[1] if "context: {" in body else ""
            actions[match.group(1)] = ActionShape(
                name=match.group(1),
                principals=types.get("principal", ()),
                resources=types.get("resource", ()),
                context=_attributes(context_body, 4),
                groups=_names(match.group(2)),
            )
    return SchemaShape(entities=entities, actions=actions, parents=parents)
