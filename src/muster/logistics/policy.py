"""Policy checks of logistics that look at more than the operator: who receives a unit.

The weapon rule is Cedar (``policies/logistics.cedar``): the item is a ``StockItem`` with
its kind, and the roles of the person receiving are passed as context, because they are a
property of that person, not of the operator handing the unit over.
"""

from __future__ import annotations

from muster.errors import Forbidden
from muster.logistics.enums import HolderKind
from muster.logistics.models import Item
from muster.policy.actor import Actor
from muster.policy.authorize import Resource, decide_operator
from muster.policy.engine import Verdict

SIGN_OUT = "logistics.custody.sign_out"


def item_resource(item: Item) -> Resource:
    """The Cedar entity of an item."""
    return Resource("StockItem", item.id, {"kind": item.kind.value, "tracked": item.tracked})


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
