"""The one door every operator action passes through: ``authorize(actor, action, resource)``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from muster.auth.actor import Actor, Role
from muster.errors import Forbidden

R = Role
_EVERY_OPERATOR = frozenset(r.value for r in Role if r is not Role.DEVICE)
_COMMAND = frozenset({R.COMMANDER, R.OFFICER})

# Role rules for operator actions. The Cedar operator policy supersedes these once active.
ROLE_RULES: dict[str, frozenset[str]] = {
    "registry.read": _EVERY_OPERATOR,
    "registry.write": _COMMAND,
    "person.archive": frozenset({R.COMMANDER}),
    "event.read": _EVERY_OPERATOR,
    "account.manage": frozenset(),
    "token.manage": frozenset(),
}


@dataclass(frozen=True)
class Resource:
    """What an action is done to: its type, id, and attributes a rule may look at."""

    type: str
    id: str
    attrs: dict[str, Any] = field(default_factory=dict)


STATION = Resource("Station", "station")


def is_allowed(actor: Actor, action: str, resource: Resource = STATION) -> bool:
    """True if ``actor`` may do ``action`` to ``resource``. Unknown actions are refused."""
    if actor.scopes is not None and action not in actor.scopes:
        return False
    if Role.ADMIN in actor.roles:
        return True
    allowed = ROLE_RULES.get(action)
    return allowed is not None and bool(allowed & actor.roles)


def authorize(actor: Actor, action: str, resource: Resource = STATION) -> None:
    """Raise Forbidden, saying what is missing, unless ``actor`` may do ``action``."""
    if not is_allowed(actor, action, resource):
        raise Forbidden(
            f"{actor.label} may not {action} on {resource.type} {resource.id}; "
            "ask the commander or an administrator for the role this needs"
        )
