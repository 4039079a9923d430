"""Portal modes: normal, lockdown, evacuation, maintenance. A commander action, with a reason."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from muster import clock
from muster.access.portal_rules import authorize_portal_ref
from muster.errors import Invalid, NotFound
from muster.events.service import append_event
from muster.places.enums import PortalMode
from muster.places.models import Portal
from muster.policy.actor import Actor
from muster.policy.authorize import authorize


def get_portal_row(session: Session, ref: str) -> Portal:
    """A portal by id or name."""
    portal = session.scalar(select(Portal).where(or_(Portal.id == ref, Portal.name == ref)))
    if portal is None:
        raise NotFound(f"no portal with id or name {ref!r}; list portals to find it")
    return portal


def set_portal_mode(
    session: Session, *, portal_id: str, mode: PortalMode, reason: str, actor: Actor
) -> Portal:
    """Change how a portal is run (``portal.mode``: the commander); the reason is kept with
    it and in the record."""
    from muster.access.facts import load_portal  # facts reads the places this module changes

    authorize_portal_ref(actor, "portal.mode", portal_id)
    authorize(actor, "portal.mode", load_portal(session, portal_id).resource())
    if not reason.strip():
        raise Invalid("give the reason for the mode change; posts and the record show it")
    portal = get_portal_row(session, portal_id)
    previous = portal.mode
    portal.mode = mode
    portal.mode_reason = reason.strip()
    portal.updated_at = clock.now()
    session.flush()
    append_event(
        session,
        kind="access.portal.mode_changed",
        actor=actor,
        subjects=[portal.id],
        payload={"portal": portal.name, "from": previous, "to": mode, "reason": portal.mode_reason},
    )
    return portal
