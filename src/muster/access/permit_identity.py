"""What a stored permit is a permit for, and the others permitted with it.

A permit is the answer to one Cedar request: this person, at this portal, asked as the
action its kind and direction make (an airlock's ``exit`` or ``enter``, a door's ``pass``).
A permit whose stored request is another (``pass`` at an airlock, another person's or
another portal's entity) says nothing about this passage: Cedar permits residents and crew
to ``pass`` internal doors, so a held person's airlock exit asked as ``pass`` would be
permitted. Both a door's upload and every passage check it (``request_mismatch``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from muster.access.enums import Direction, cedar_action


def malformed(cedar_input: Any) -> str:
    """Why ``cedar_input`` is not a Cedar request of a person at a portal, in words (an
    action, person and portal entities with a uid and attributes, a context); empty when
    it is one."""
    if not isinstance(cedar_input, dict) or not isinstance(cedar_input.get("action"), str):
        return "it carries no Cedar request with an action"
    entities = {"person": cedar_input.get("person"), "portal": cedar_input.get("portal")}
    for name, entity in entities.items():
        if not (
            isinstance(entity, dict)
            and isinstance(entity.get("uid"), dict)
            and isinstance(entity.get("attrs"), dict)
        ):
            return f"its Cedar request has no {name} entity with a uid and attributes"
    if not isinstance(cedar_input.get("context"), dict):
        return "its Cedar request has no context"
    return ""


def request_mismatch(
    cedar_input: Any, *, person_id: str, portal_id: str, portal_kind: str, direction: Direction
) -> str:
    """Why ``cedar_input`` is not the request of ``person_id`` at the portal in
    ``direction``, in words; empty when it is."""
    shape = malformed(cedar_input)
    if shape:
        return shape
    expected = cedar_action(portal_kind, direction)
    if cedar_input.get("action") != expected:
        return f"it was asked as {cedar_input.get('action')!r}, not {expected!r}"
    if cedar_input["person"]["uid"] != {"type": "Person", "id": person_id}:
        return "it is another person's request"
    if cedar_input["portal"]["uid"] != {"type": "Portal", "id": portal_id}:
        return "it is a request at another portal"
    return ""


class PermitState(StrEnum):
    """Where another permit of the same request stands."""

    OPEN = "open"  # not used yet
    PASSED = "passed"  # used by a recorded passage: the person went through
    SPENT = "spent"  # spent by a refused passage: the person did not go through

    @classmethod
    def of(cls, *, spent: bool, passed: bool) -> PermitState:
        """A permit's state from whether it is spent and whether a passage used it."""
        if passed:
            return cls.PASSED
        return cls.SPENT if spent else cls.OPEN


@dataclass(frozen=True)
class GroupPermit:
    """Another permit of the same request: its person, its stored Cedar request, and where
    it stands. A visitor's escort is one of these."""

    person_id: str
    cedar_input: dict[str, Any]
    state: PermitState
