"""The one door every operator action passes through: ``authorize(actor, action, resource)``.

Operator permissions are Cedar rules like the airlock rules (see ``*/policies/*.cedar``):
the principal is an ``Operator`` with the actor's roles, the resource is the record acted
on, with the attributes a rule may look at. A scoped API token may do only what its scopes
name, whatever its account could do, and a bound token only where it is bound: a reader's
token (``portal_id``) only requests decisions and records passages at its own portal, a
handset's token (``channel_ids``) only does comms, and only on its own channels (and
reports for the posts those channels reach), and a
door controller's token (``door_portal_ids``) only reads the door feed and uploads at its
own portals.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from muster.errors import Forbidden
from muster.policy.actor import Actor
from muster.policy.engine import PolicyEngine, Verdict, active_engine

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Resource:
    """What an action is done to: its Cedar type, id, and attributes a rule may look at."""

    type: str
    id: str
    attrs: dict[str, Any] = field(default_factory=dict)


STATION = Resource("Station", "station")
PORTAL_BOUND_ACTIONS = frozenset({"access.request", "passage.record"})
DOOR_FEED = "door.feed"
DOOR_BOUND_ACTIONS = PORTAL_BOUND_ACTIONS | {DOOR_FEED}
CHANNEL_BOUND_PREFIX = "comms."
# A handset speaks for its own person on its own channels: it makes no channels, no public
# address, and answers for no one else, whatever its account could do.
HANDSET_REFUSED = frozenset({"comms.channel.manage", "comms.announce", "comms.acknowledge.others"})
# A handset at a post also reports the post's situation and calls help from it; the posts'
# use case checks, with the database, that one of its channels reaches that post.
HANDSET_POST_ACTIONS = frozenset({"post.report", "post.help"})


def binding_refusal(actor: Actor, action: str, resource: Resource) -> str | None:
    """Why a bound token may not do ``action`` to ``resource``, or None when it may."""
    if actor.portal_id is not None:
        if action not in PORTAL_BOUND_ACTIONS:
            return f"this reader token may only {' and '.join(sorted(PORTAL_BOUND_ACTIONS))}"
        if resource.type != "Portal" or resource.id != actor.portal_id:
            return "this reader token is bound to another portal"
    if actor.door_portal_ids is not None:
        if action not in DOOR_BOUND_ACTIONS:
            return f"this door token may only {' and '.join(sorted(DOOR_BOUND_ACTIONS))}"
        if action in PORTAL_BOUND_ACTIONS and (
            resource.type != "Portal" or resource.id not in actor.door_portal_ids
        ):
            return "this door token is not bound to that portal"
    if actor.channel_ids is not None:
        if action in HANDSET_POST_ACTIONS:
            return None if resource.type == "GuardPost" else "a handset reports only for a post"
        if not action.startswith(CHANNEL_BOUND_PREFIX):
            return "this handset token may only use comms"
        if action in HANDSET_REFUSED:
            return f"a handset token may not {action}; use the console"
        if resource.type == "Channel" and resource.id not in actor.channel_ids:
            return "this handset token is not bound to that channel"
    return None


def may_use_channel(actor: Actor, channel_id: str) -> bool:
    """False when ``actor`` is a handset token bound to other channels (filter what it gets)."""
    return actor.channel_ids is None or channel_id in actor.channel_ids


def authorize_channel(actor: Actor, action: str, channel_id: str) -> None:
    """``authorize`` for an action on one channel, honouring a handset token's binding.

    The binding is checked first, on the channel's id alone, so a token bound elsewhere
    learns nothing about the channel (not even whether it exists).
    """
    if not may_use_channel(actor, channel_id):
        raise Forbidden(
            f"{actor.label} may not {action} on channel {channel_id}: this handset token is "
            "bound to other channels. Ask an administrator for a token for this channel.",
            action=action,
        )
    authorize(actor, action)


def operator_entity(actor: Actor) -> dict[str, Any]:
    """The Cedar entity of an operator."""
    return {
        "uid": {"type": "Operator", "id": actor.id},
        "attrs": {
            "roles": sorted(actor.roles),
            "person_id": actor.person_id or "",
            "kind": "device" if actor.kind == "token" and "device" in actor.roles else actor.kind,
        },
        "parents": [],
    }


def decide_operator(
    actor: Actor, action: str, resource: Resource = STATION, context: dict[str, Any] | None = None
) -> Verdict:
    """The policy's verdict on an operator action."""
    if actor.scopes is not None and action not in actor.scopes:
        return Verdict(False, (), (), f"this API token is not scoped for {action}")
    refusal = binding_refusal(actor, action, resource)
    if refusal is not None:
        return Verdict(False, (), (), refusal)
    entities = [
        operator_entity(actor),
        {"uid": {"type": resource.type, "id": resource.id}, "attrs": resource.attrs, "parents": []},
    ]
    engine = active_engine()
    try:
        key = json.dumps([action, entities, context or {}], sort_keys=True)
    except (TypeError, ValueError):  # not plain JSON: ask Cedar every time
        key = None
    known = _remembered(engine, key)
    if known is not None:
        return known
    verdict = engine.decide(
        principal=("Operator", actor.id),
        action=action,
        resource=(resource.type, resource.id),
        context=context or {},
        entities=entities,
    )
    if key is not None and not verdict.errors:
        _remember(engine, key, verdict)
    return verdict


# Verdicts of the engine in force, by their whole input (action, both entities with every
# attribute, context). Cedar's answer is a function of the policy and that input, so a
# remembered verdict is the one Cedar would give; another engine (a newly activated policy)
# starts an empty memo. A verdict with errors is never remembered.
MEMO_LIMIT = 4096
_memo: tuple[PolicyEngine | None, dict[str, Verdict]] = (None, {})
_memo_lock = threading.Lock()


def _remembered(engine: PolicyEngine, key: str | None) -> Verdict | None:
    memo_engine, verdicts = _memo
    if key is None or memo_engine is not engine:
        return None
    return verdicts.get(key)


def _remember(engine: PolicyEngine, key: str, verdict: Verdict) -> None:
    global _memo
    with _memo_lock:
        memo_engine, verdicts = _memo
        if memo_engine is not engine or len(verdicts) >= MEMO_LIMIT:
            verdicts = {}
            _memo = (engine, verdicts)
        verdicts[key] = verdict


def is_allowed(
    actor: Actor, action: str, resource: Resource = STATION, context: dict[str, Any] | None = None
) -> bool:
    """True if ``actor`` may do ``action`` to ``resource`` (for showing or hiding controls)."""
    return decide_operator(actor, action, resource, context).allowed


def authorize(
    actor: Actor, action: str, resource: Resource = STATION, context: dict[str, Any] | None = None
) -> None:
    """Raise Forbidden, saying why, unless the policy permits ``actor`` to do ``action``."""
    verdict = decide_operator(actor, action, resource, context)
    if verdict.allowed:
        return
    if verdict.errors:
        log.warning("operator decision failed closed: %s %s: %s", actor.id, action, verdict.reason)
    why = verdict.reason or "no rule of the active policy permits it"
    raise Forbidden(
        f"{actor.label} may not {action} on {resource.type} {resource.id}: {why}. "
        "Ask the commander or an administrator if this is needed.",
        action=action,
    )
