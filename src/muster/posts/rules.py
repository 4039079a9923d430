"""Who may report for a post or call help from it: the one check, made before any lookup.

A guard reports only for a post she is assigned to (``policies/posts.cedar``). The first
check is on the post as the caller named it, with the facts most favourable to the caller
(she is assigned there), so a caller refused on it would be refused at every post and
learns nothing about the post, not even whether it exists. The second check is on the post
as it is, with everyone assigned to it now.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.places.models import Post, PostAssignment
from muster.places.service import find_post
from muster.policy.actor import Actor
from muster.policy.authorize import Resource, authorize

REPORT = "post.report"
HELP = "post.help"
READ = "post.read"
NO_ONE = "(no one)"  # a person id no principal has


def post_identity(post_ref: str, actor: Actor) -> Resource:
    """A post known only by the reference the caller gave, as if the caller stood there."""
    return Resource("GuardPost", post_ref, {"assigned_ids": [actor.person_id or NO_ONE]})


def post_resource(session: Session, post: Post) -> Resource:
    """The post as a Cedar ``GuardPost``: everyone assigned to it now."""
    assigned = session.scalars(
        select(PostAssignment.person_id).where(PostAssignment.post_id == post.id)
    )
    return Resource("GuardPost", post.id, {"assigned_ids": sorted(assigned)})


def authorize_at_post(session: Session, *, actor: Actor, action: str, post_ref: str) -> Post:
    """Authorize ``action`` at the post named ``post_ref`` (id or name); return the post."""
    authorize(actor, action, post_identity(post_ref, actor))
    post = find_post(session, post_ref)
    authorize(actor, action, post_resource(session, post))
    return post


def authorize_read(actor: Actor) -> None:
    """Reading the board and the reports."""
    authorize(actor, READ)
