"""Enrolling a door controller: a token of its own, bound to the portals it serves.

A door's token reads the door feed and its heads stream, and uploads decisions, passages
and alerts at its own portals; anything else, at any other portal or on any other route,
is refused (403), whatever its account could do (``policy/authorize.py``, the door binding).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from muster.access.modes import get_portal_row
from muster.auth.models import ApiToken
from muster.auth.service import create_token
from muster.errors import Invalid
from muster.policy.actor import Actor
from muster.policy.authorize import authorize


def enrol_door(
    session: Session, *, name: str, username: str, portals: list[str], actor: Actor
) -> tuple[ApiToken, str, list[str]]:
    """A token named ``name`` for the account ``username``, bound to ``portals`` (ids or
    names); (the token, its secret, shown once, and the portals' names). ``token.manage``."""
    authorize(actor, "token.manage")  # before any portal is looked up (no names learned)
    if not portals:
        raise Invalid("name at least one portal the door serves (--portal)")
    rows = [get_portal_row(session, ref) for ref in dict.fromkeys(portals)]
    token, secret = create_token(
        session,
        name=name,
        username=username,
        scopes=[],  # the binding says what it may do (policy/authorize.py)
        actor=actor,
        door_portal_ids=[p.id for p in rows],
    )
    return token, secret, [p.name for p in rows]
