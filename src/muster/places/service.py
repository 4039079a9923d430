"""The places registry: zones, the portals between them, and the guard posts at them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from muster import clock
from muster.errors import Conflict, Invalid, NotFound
from muster.events.service import append_event
from muster.people.enums import PersonStatus
from muster.people.models import Person
from muster.people.service import apply_changes, find_party, find_person, save_unique
from muster.places.enums import PortalKind, PortalMode, ZoneKind
from muster.places.models import Portal, Post, PostAssignment, Zone
from muster.places.schemas import (
    PortalCreate,
    PortalUpdate,
    PostCreate,
    PostUpdate,
    ZoneCreate,
    ZoneUpdate,
)
from muster.policy.actor import Actor
from muster.policy.authorize import authorize

# Zones


def get_zone(session: Session, zone_id: str) -> Zone:
    """The zone with this id."""
    zone = session.get(Zone, zone_id)
    if zone is None:
        raise NotFound(f"no zone with id {zone_id!r}; list zones to find the right id")
    return zone


def find_zone(session: Session, ref: str) -> Zone:
    """The zone with this id or exact name."""
    zone = session.get(Zone, ref) or session.scalar(select(Zone).where(Zone.name == ref))
    if zone is None:
        raise NotFound(f"no zone with id or name {ref!r}")
    return zone


def _check_zone_name(session: Session, name: str, *, except_id: str | None = None) -> None:
    if session.scalar(select(Zone.id).where(Zone.name == name, Zone.id != (except_id or ""))):
        raise Conflict(f"a zone named {name!r} is already registered; use another name")


def _check_docking(session: Session, kind: ZoneKind, party_ref: str | None) -> str | None:
    """The id of the party docked at the zone (named by id or name), or None."""
    if party_ref is None:
        return None
    if kind is not ZoneKind.COLLAR:
        raise Invalid("only a docking collar can have a party docked at it")
    return find_party(session, party_ref).id


def create_zone(session: Session, *, data: ZoneCreate, actor: Actor) -> Zone:
    """Register a zone."""
    authorize(actor, "registry.write")
    _check_zone_name(session, data.name)
    values = data.model_dump()
    values["docked_party_id"] = _check_docking(session, data.kind, data.docked_party_id)
    at = clock.now()
    zone = Zone(**values, created_at=at, updated_at=at)
    save_unique(session, zone, clash=f"a zone named {data.name!r} is already registered")
    append_event(
        session,
        kind="places.zone.created",
        actor=actor,
        subjects=[zone.id, zone.docked_party_id or ""],
        payload=values,
    )
    return zone


def update_zone(session: Session, *, zone_id: str, data: ZoneUpdate, actor: Actor) -> Zone:
    """Change the given fields of a zone. A zone with portals keeps its kind."""
    authorize(actor, "registry.write")
    zone = get_zone(session, zone_id)
    values = data.model_dump(exclude_unset=True)
    if "name" in values:
        _check_zone_name(session, values["name"], except_id=zone.id)
    kind = values.get("kind", zone.kind)
    if kind != zone.kind and session.scalar(select(Portal.name).where(_touches(zone.id))):
        raise Conflict(f"zone {zone.name} has portals; its kind cannot change while they use it")
    docked = _check_docking(session, kind, values.get("docked_party_id", zone.docked_party_id))
    if "docked_party_id" in values:
        values["docked_party_id"] = docked
    old_party = zone.docked_party_id
    changes = apply_changes(zone, values)
    if not changes:
        return zone
    zone.updated_at = clock.now()
    save_unique(session, zone, clash=f"the new name of zone {zone.name} is taken")
    append_event(
        session,
        kind="places.zone.updated",
        actor=actor,
        subjects=[zone.id, old_party or "", zone.docked_party_id or ""],
        payload={"name": zone.name, "changes": changes},
    )
    return zone


def _touches(zone_id: str) -> ColumnElement[bool]:
    """A condition: the portal has ``zone_id`` on either side."""
    return or_(Portal.inside_zone_id == zone_id, Portal.outside_zone_id == zone_id)


def list_zones(
    session: Session, *, kind: ZoneKind | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[Zone], int]:
    """A page of zones by name, and how many match in all."""
    query = select(Zone)
    if kind is not None:
        query = query.where(Zone.kind == kind)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Zone.name).limit(limit).offset(offset)).all()
    return list(rows), total


# Portals


def get_portal(session: Session, portal_id: str) -> Portal:
    """The portal with this id."""
    portal = session.get(Portal, portal_id)
    if portal is None:
        raise NotFound(f"no portal with id {portal_id!r}; list portals to find the right id")
    return portal


def find_portal(session: Session, ref: str) -> Portal:
    """The portal with this id or exact name."""
    portal = session.get(Portal, ref) or session.scalar(select(Portal).where(Portal.name == ref))
    if portal is None:
        raise NotFound(f"no portal with id or name {ref!r}")
    return portal


def _check_portal_name(session: Session, name: str, *, except_id: str | None = None) -> None:
    query = select(Portal.id).where(Portal.name == name, Portal.id != (except_id or ""))
    if session.scalar(query):
        raise Conflict(f"a portal named {name!r} is already registered; use another name")


def _check_portal_zones(
    session: Session, kind: PortalKind, inside_ref: str, outside_ref: str
) -> tuple[str, str]:
    """An airlock leads from an internal zone to a collar; a door joins two internal zones.
    The zones are named by id or name; returns their ids."""
    inside = find_zone(session, inside_ref)
    outside = find_zone(session, outside_ref)
    if inside.kind is not ZoneKind.INTERNAL:
        raise Invalid(f"the inside of a portal must be an internal zone; {inside.name} is not")
    if kind is PortalKind.AIRLOCK and outside.kind is not ZoneKind.COLLAR:
        raise Invalid(f"an airlock leads to a docking collar; {outside.name} is not one")
    if kind is PortalKind.DOOR:
        if outside.kind is not ZoneKind.INTERNAL:
            raise Invalid(f"a door joins two internal zones; {outside.name} is not internal")
        if inside.id == outside.id:
            raise Invalid("a door joins two different zones; give another outside zone")
    return inside.id, outside.id


def create_portal(session: Session, *, data: PortalCreate, actor: Actor) -> Portal:
    """Register an airlock or a door, in normal mode."""
    authorize(actor, "registry.write")
    _check_portal_name(session, data.name)
    values = data.model_dump()
    values["inside_zone_id"], values["outside_zone_id"] = _check_portal_zones(
        session, data.kind, data.inside_zone_id, data.outside_zone_id
    )
    at = clock.now()
    portal = Portal(**values, mode=PortalMode.NORMAL, mode_reason="", created_at=at, updated_at=at)
    save_unique(session, portal, clash=f"a portal named {data.name!r} is already registered")
    append_event(
        session,
        kind="places.portal.created",
        actor=actor,
        subjects=[portal.id, portal.inside_zone_id, portal.outside_zone_id],
        payload=values,
    )
    return portal


def update_portal(session: Session, *, portal_id: str, data: PortalUpdate, actor: Actor) -> Portal:
    """Change a portal's name, kind or zones. Its mode belongs to the access domain."""
    authorize(actor, "registry.write")
    portal = get_portal(session, portal_id)
    values = data.model_dump(exclude_unset=True)
    if "name" in values:
        _check_portal_name(session, values["name"], except_id=portal.id)
    inside, outside = _check_portal_zones(
        session,
        values.get("kind", portal.kind),
        values.get("inside_zone_id", portal.inside_zone_id),
        values.get("outside_zone_id", portal.outside_zone_id),
    )
    values.update(
        {k: v for k, v in (("inside_zone_id", inside), ("outside_zone_id", outside)) if k in values}
    )
    old_zones = [portal.inside_zone_id, portal.outside_zone_id]
    changes = apply_changes(portal, values)
    if not changes:
        return portal
    portal.updated_at = clock.now()
    save_unique(session, portal, clash=f"the new name of portal {portal.name} is taken")
    append_event(
        session,
        kind="places.portal.updated",
        actor=actor,
        subjects=[portal.id, *old_zones, portal.inside_zone_id, portal.outside_zone_id],
        payload={"name": portal.name, "changes": changes},
    )
    return portal


def list_portals(
    session: Session,
    *,
    kind: PortalKind | None = None,
    zone_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Portal], int]:
    """A page of portals by name (of one kind, or touching one zone), and how many match."""
    query = select(Portal)
    if kind is not None:
        query = query.where(Portal.kind == kind)
    if zone_id is not None:
        query = query.where(_touches(zone_id))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Portal.name).limit(limit).offset(offset)).all()
    return list(rows), total


# Posts


def get_post(session: Session, post_id: str) -> Post:
    """The post with this id."""
    post = session.get(Post, post_id)
    if post is None:
        raise NotFound(f"no post with id {post_id!r}; list posts to find the right id")
    return post


def find_post(session: Session, ref: str) -> Post:
    """The post with this id or exact name."""
    post = session.get(Post, ref) or session.scalar(select(Post).where(Post.name == ref))
    if post is None:
        raise NotFound(f"no post with id or name {ref!r}")
    return post


def _check_post(session: Session, values: dict[str, Any], self_id: str) -> None:
    """Check a post's name and resolve its portal and zone (named by id or name) in place."""
    name = values.get("name")
    if name is not None and session.scalar(
        select(Post.id).where(Post.name == name, Post.id != self_id)
    ):
        raise Conflict(f"a post named {name!r} is already registered; use another name")
    if values.get("portal_id") is not None:
        values["portal_id"] = find_portal(session, values["portal_id"]).id
    if values.get("zone_id") is not None:
        values["zone_id"] = find_zone(session, values["zone_id"]).id


def create_post(session: Session, *, data: PostCreate, actor: Actor) -> Post:
    """Register a guard post, at a portal or in a zone."""
    authorize(actor, "registry.write")
    values = data.model_dump()
    _check_post(session, values, "")
    at = clock.now()
    post = Post(**values, created_at=at, updated_at=at)
    save_unique(session, post, clash=f"a post named {data.name!r} is already registered")
    append_event(
        session,
        kind="places.post.created",
        actor=actor,
        subjects=[post.id, post.portal_id or "", post.zone_id or ""],
        payload=values,
    )
    return post


def update_post(session: Session, *, post_id: str, data: PostUpdate, actor: Actor) -> Post:
    """Change a post's name, portal or zone."""
    authorize(actor, "registry.write")
    post = get_post(session, post_id)
    values = data.model_dump(exclude_unset=True)
    _check_post(session, values, post.id)
    changes = apply_changes(post, values)
    if not changes:
        return post
    post.updated_at = clock.now()
    save_unique(session, post, clash=f"the new name of post {post.name} is taken")
    append_event(
        session,
        kind="places.post.updated",
        actor=actor,
        subjects=[post.id, post.portal_id or "", post.zone_id or ""],
        payload={"name": post.name, "changes": changes},
    )
    return post


def list_posts(
    session: Session,
    *,
    portal_id: str | None = None,
    zone_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Post], int]:
    """A page of posts by name (at one portal or in one zone), and how many match."""
    query = select(Post)
    if portal_id is not None:
        query = query.where(Post.portal_id == portal_id)
    if zone_id is not None:
        query = query.where(Post.zone_id == zone_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Post.name).limit(limit).offset(offset)).all()
    return list(rows), total


def assign_to_post(
    session: Session, *, post_id: str, person_id: str, actor: Actor
) -> PostAssignment:
    """Assign a person to a post. Archived and deceased persons cannot be assigned."""
    authorize(actor, "registry.write")
    post = find_post(session, post_id)
    person = find_person(session, person_id)
    if person.archived_at is not None:
        raise Invalid(f"{person.name} is archived and cannot be assigned to a post")
    if person.status is PersonStatus.DECEASED:
        raise Invalid(f"{person.name} is recorded as deceased and cannot be assigned to a post")
    if session.get(PostAssignment, (post.id, person.id)) is not None:
        raise Conflict(f"{person.name} is already assigned to {post.name}")
    assignment = PostAssignment(post_id=post.id, person_id=person.id, assigned_at=clock.now())
    save_unique(session, assignment, clash=f"{person.name} is already assigned to {post.name}")
    append_event(
        session,
        kind="places.post.assigned",
        actor=actor,
        subjects=[post.id, person.id, post.portal_id or ""],
        payload={"post": post.name, "person": person.name},
    )
    return assignment


def unassign_from_post(session: Session, *, post_id: str, person_id: str, actor: Actor) -> None:
    """Take a person off a post."""
    authorize(actor, "registry.write")
    post = find_post(session, post_id)
    person = find_person(session, person_id)
    assignment = session.get(PostAssignment, (post.id, person.id))
    if assignment is None:
        raise NotFound(f"{person.name} is not assigned to {post.name}")
    session.delete(assignment)
    session.flush()
    append_event(
        session,
        kind="places.post.unassigned",
        actor=actor,
        subjects=[post.id, person.id, post.portal_id or ""],
        payload={"post": post.name, "person": person.name},
    )


def post_members(session: Session, post_id: str) -> list[Person]:
    """The persons assigned to a post, by name."""
    get_post(session, post_id)
    query = (
        select(Person)
        .join(PostAssignment, PostAssignment.person_id == Person.id)
        .where(PostAssignment.post_id == post_id)
        .order_by(Person.name)
    )
    return list(session.scalars(query).all())


def posts_of_person(session: Session, person_id: str) -> list[Post]:
    """The posts a person is assigned to, by name."""
    query = (
        select(Post)
        .join(PostAssignment, PostAssignment.post_id == Post.id)
        .where(PostAssignment.person_id == person_id)
        .order_by(Post.name)
    )
    return list(session.scalars(query).all())
