"""Policy checks of logistics that look at more than the operator: who receives a unit.

The weapon rule is Cedar (``policies/logistics.cedar``): the item is a ``StockItem`` with
its kind, and the roles of the person receiving are passed as context, because they are a
property of that person, not of the operator handing the unit over.
"""

from __future__ import annotations

from muster.errors import Forbidden
from muster.logistics.enums import HolderKind, ItemKind
from muster.logistics.models import Item
from muster.policy.actor import Actor
from muster.policy.authorize import Resource, decide_operator
from muster.policy.engine import Verdict

SIGN_OUT = "logistics.custody.sign_out"
# The roles a holder may have under the shipped rules: asked with all of them, the policy
# says whether this operator may hand out an item of a kind to anyone at all.
ANY_HOLDER_ROLES = ["commander", "guard", "officer"]


def item_resource(item: Item) -> Resource:
    """The Cedar entity of an item."""
    return Resource("StockItem", item.id, {"kind": item.kind.value, "tracked": item.tracked})


def authorize_any_sign_out(actor: Actor) -> None:
    """Raise Forbidden unless ``actor`` may sign some kind of item out to someone.

    Asked before the unit is looked up, so an operator who may sign nothing out learns
    nothing about the unit (not its name, serial or whether it is out already).
    """
    why = ""
    for kind in ItemKind:
        resource = Resource("StockItem", f"any-{kind.value}", {"kind": kind.value, "tracked": True})
        for holder_kind in HolderKind:
            context = {"holder_kind": holder_kind.value, "holder_roles": ANY_HOLDER_ROLES}
            verdict = decide_operator(actor, SIGN_OUT, resource, context)
            if verdict.allowed:
                return
            why = why or verdict.reason
    raise Forbidden(
        f"{actor.label} may not {SIGN_OUT}: {why or 'no rule of the active policy permits it'}. "
        "Ask the commander or an administrator if this is needed.",
        action=SIGN_OUT,
    )


def authorize_sign_out(
    actor: Actor,
    *,
    item: Item,
    holder_kind: HolderKind,
    holder_label: str,
    holder_roles: list[str],
) -> Verdict:
    """Raise Forbidden, saying why, unless the policy lets ``actor`` hand ``item`` to the holder."""
    context = {"holder_kind": holder_kind.value, "holder_roles": sorted(set(holder_roles))}
    verdict = decide_operator(actor, SIGN_OUT, item_resource(item), context)
    if verdict.allowed:
        return verdict
    roles = ", ".join(sorted(holder_roles)) or "no roles"
    why = verdict.reason or "no rule of the active policy permits it"
    raise Forbidden(
        f"{item.name} ({item.kind.value}) may not be signed out to {holder_label} "
        f"(roles: {roles}) by {actor.label}: {why}. Sign it out to someone whose role the "
        "policy allows, or ask the commander to change the policy.",
        action=SIGN_OUT,
    )
