"""Which events an operator may read.

The record is one log, but not every fact in it is for every operator: the state of the
station's defences is for command roles only. An event kind prefix listed here is left out
of lists and live streams for an actor the policy does not allow the named action.
"""

from __future__ import annotations

from muster.policy.actor import Actor
from muster.policy.authorize import is_allowed

# Event kind prefix -> the operator action needed to read events of that kind.
RESTRICTED_KINDS: dict[str, str] = {
    "vessels.asset.": "asset.read",
}


def hidden_kinds(actor: Actor) -> tuple[str, ...]:
    """The kind prefixes ``actor`` may not read."""
    return tuple(
        prefix for prefix, action in RESTRICTED_KINDS.items() if not is_allowed(actor, action)
    )


def is_visible(kind: str, hidden: tuple[str, ...]) -> bool:
    """True unless ``kind`` starts with one of the ``hidden`` prefixes."""
    return not kind.startswith(hidden) if hidden else True
