"""Authorizing an operator action at a portal before the portal is read.

An operator's ``access.request``, ``passage.record`` and ``portal.mode`` are first
authorized on the portal as the caller named it, with none of its attributes known, so a
caller who may not act learns nothing of the portal, not even whether it exists; the use
case then authorizes again on the portal it read. A reader's or a door's token is bound to
its portals by id and checked on the portal it reads (its binding compares ids, not names).
"""

from __future__ import annotations

from muster.policy.actor import Actor
from muster.policy.authorize import Resource, authorize

# Every attribute the schema declares for a Portal, none of them known.
UNREAD = {
    "kind": "",
    "mode": "",
    "inside_zone_id": "",
    "outside_zone_id": "",
    "vessel_party_id": "",
}


def authorize_portal_ref(actor: Actor, action: str, portal_ref: str) -> None:
    """Refuse ``actor`` ``action`` at the portal named ``portal_ref`` before it is looked up."""
    if actor.portal_id is None and actor.door_portal_ids is None:
        authorize(actor, action, Resource("Portal", portal_ref, dict(UNREAD)))
