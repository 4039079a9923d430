"""Who may report for a post or call help from it: the one check, made before any lookup.

A guard reports only for a post she is assigned to (``policies/posts.cedar``). The first
check is on the post as the caller named it, with the facts most favourable to the caller
(she is assigned there), so a caller refused on it would be refused at every post and
learns nothing about the post, not even whether it exists. The second check is on the post
as it is, with everyone assigned to it now.

A handset's token, bound to its channels, reports and calls help only for a post one of
those channels reaches (a posts group of that post, its portal or its kind of portal), and
is refused in the same words whether or not the post exists: it cannot read the board.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.comms.models import Channel
from muster.errors import Forbidden, NotFound
from muster.places.models import Portal, Post, PostAssignment
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
    if actor.channel_ids is None:
        post = find_post(session, post_ref)
    else:
        post = _post_of_handset(session, actor, post_ref)
    authorize(actor, action, post_resource(session, post))
    return post


def _post_of_handset(session: Session, actor: Actor, post_ref: str) -> Post:
    """The post a channel-bound handset names, if one of its channels reaches it."""
    try:
        post = find_post(session, post_ref)
    except NotFound:
        post = None
    if post is None or not channels_reach(session, actor.channel_ids or frozenset(), post):
        raise Forbidden(
            f"this handset token is not bound to a channel of the post {post_ref!r}; report "
            "from the console, or ask for a handset on that post's channel"
        )
    return post


def rule_reaches(rule: dict[str, Any], post: Post, portal_kind: str | None) -> bool:
    """True when a channel's membership rule is the posts group of ``post``: that post, its
    portal, its kind of portal or every post (a union when any of its rules is)."""
    if rule.get("kind") == "any":
        return any(rule_reaches(r, post, portal_kind) for r in rule.get("rules", []))
    if rule.get("kind") != "posts":
        return False
    if rule.get("post_id"):
        return bool(rule["post_id"] == post.id)
    if rule.get("portal_id"):
        return bool(rule["portal_id"] == post.portal_id)
    if rule.get("portal_kind"):
        return bool(rule["portal_kind"] == portal_kind)
    return True


def channels_reach(session: Session, channel_ids: frozenset[str], post: Post) -> bool:
    """True when one of the open channels ``channel_ids`` is a posts group of ``post``."""
    portal = session.get(Portal, post.portal_id) if post.portal_id else None
    kind = str(getattr(portal.kind, "value", portal.kind)) if portal else None
    query = select(Channel.rule).where(
        Channel.id.in_(sorted(channel_ids)), Channel.archived_at.is_(None)
    )
    return any(rule_reaches(rule, post, kind) for rule in session.scalars(query))


def handset_posts(session: Session, actor: Actor) -> list[Post]:
    """The posts a handset offers to report for: its person's posts that its channels reach
    (each report is still authorized when it is sent)."""
    if not actor.person_id:
        return []
    query = (
        select(Post)
        .join(PostAssignment, PostAssignment.post_id == Post.id)
        .where(PostAssignment.person_id == actor.person_id)
        .order_by(Post.name)
    )
    posts = list(session.scalars(query))
    if actor.channel_ids is None:
        return posts
    return [p for p in posts if channels_reach(session, actor.channel_ids, p)]


def authorize_read(actor: Actor) -> None:
    """Reading the board and the reports."""
    authorize(actor, READ)
