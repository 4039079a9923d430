"""Zones, portals and posts over HTTP."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from muster.people.schemas import PersonRead
from muster.places import service
from muster.places.enums import PortalKind, ZoneKind
from muster.places.schemas import (
    PortalCreate,
    PortalRead,
    PortalUpdate,
    PostAssignmentRead,
    PostCreate,
    PostMemberAdd,
    PostRead,
    PostUpdate,
    ZoneCreate,
    ZoneRead,
    ZoneUpdate,
)
from muster.policy.authorize import authorize
from muster.schemas import Page
from muster.web.deps import CurrentActor, PageDep, SessionDep

router = APIRouter(prefix="/api/v1", tags=["places"])
IdQuery = Annotated[str | None, Query(max_length=36)]


@router.get("/zones")
def read_zones(
    session: SessionDep, actor: CurrentActor, page: PageDep, kind: ZoneKind | None = None
) -> Page[ZoneRead]:
    """Zones by name, optionally of one kind."""
    authorize(actor, "registry.read")
    rows, total = service.list_zones(session, kind=kind, limit=page.limit, offset=page.offset)
    items = [ZoneRead.model_validate(r) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("/zones", status_code=status.HTTP_201_CREATED)
def create_zone(body: ZoneCreate, session: SessionDep, actor: CurrentActor) -> ZoneRead:
    """Register a zone."""
    return ZoneRead.model_validate(service.create_zone(session, data=body, actor=actor))


@router.get("/zones/{zone_id}")
def read_zone(zone_id: str, session: SessionDep, actor: CurrentActor) -> ZoneRead:
    """One zone."""
    authorize(actor, "registry.read")
    return ZoneRead.model_validate(service.get_zone(session, zone_id))


@router.patch("/zones/{zone_id}")
def update_zone(
    zone_id: str, body: ZoneUpdate, session: SessionDep, actor: CurrentActor
) -> ZoneRead:
    """Change the given fields of a zone, such as the party docked at a collar."""
    zone = service.update_zone(session, zone_id=zone_id, data=body, actor=actor)
    return ZoneRead.model_validate(zone)


@router.get("/portals")
def read_portals(
    session: SessionDep,
    actor: CurrentActor,
    page: PageDep,
    kind: PortalKind | None = None,
    zone_id: IdQuery = None,
) -> Page[PortalRead]:
    """Portals by name, optionally of one kind or touching one zone."""
    authorize(actor, "registry.read")
    rows, total = service.list_portals(
        session, kind=kind, zone_id=zone_id, limit=page.limit, offset=page.offset
    )
    items = [PortalRead.model_validate(r) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("/portals", status_code=status.HTTP_201_CREATED)
def create_portal(body: PortalCreate, session: SessionDep, actor: CurrentActor) -> PortalRead:
    """Register an airlock or a door."""
    return PortalRead.model_validate(service.create_portal(session, data=body, actor=actor))


@router.get("/portals/{portal_id}")
def read_portal(portal_id: str, session: SessionDep, actor: CurrentActor) -> PortalRead:
    """One portal."""
    authorize(actor, "registry.read")
    return PortalRead.model_validate(service.get_portal(session, portal_id))


@router.patch("/portals/{portal_id}")
def update_portal(
    portal_id: str, body: PortalUpdate, session: SessionDep, actor: CurrentActor
) -> PortalRead:
    """Change a portal's name, kind or zones (its mode is changed through access)."""
    portal = service.update_portal(session, portal_id=portal_id, data=body, actor=actor)
    return PortalRead.model_validate(portal)


@router.get("/posts")
def read_posts(
    session: SessionDep,
    actor: CurrentActor,
    page: PageDep,
    portal_id: IdQuery = None,
    zone_id: IdQuery = None,
) -> Page[PostRead]:
    """Posts by name, optionally at one portal or in one zone."""
    authorize(actor, "registry.read")
    rows, total = service.list_posts(
        session, portal_id=portal_id, zone_id=zone_id, limit=page.limit, offset=page.offset
    )
    items = [PostRead.model_validate(r) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("/posts", status_code=status.HTTP_201_CREATED)
def create_post(body: PostCreate, session: SessionDep, actor: CurrentActor) -> PostRead:
    """Register a guard post."""
    return PostRead.model_validate(service.create_post(session, data=body, actor=actor))


@router.get("/posts/{post_id}")
def read_post(post_id: str, session: SessionDep, actor: CurrentActor) -> PostRead:
    """One post."""
    authorize(actor, "registry.read")
    return PostRead.model_validate(service.get_post(session, post_id))


@router.patch("/posts/{post_id}")
def update_post(
    post_id: str, body: PostUpdate, session: SessionDep, actor: CurrentActor
) -> PostRead:
    """Change a post's name, portal or zone."""
    return PostRead.model_validate(
        service.update_post(session, post_id=post_id, data=body, actor=actor)
    )


@router.get("/posts/{post_id}/members")
def read_post_members(post_id: str, session: SessionDep, actor: CurrentActor) -> list[PersonRead]:
    """The persons assigned to a post, by name."""
    authorize(actor, "registry.read")
    return [PersonRead.model_validate(p) for p in service.post_members(session, post_id)]


@router.post("/posts/{post_id}/members", status_code=status.HTTP_201_CREATED)
def assign_to_post(
    post_id: str, body: PostMemberAdd, session: SessionDep, actor: CurrentActor
) -> PostAssignmentRead:
    """Assign a person to a post."""
    assignment = service.assign_to_post(
        session, post_id=post_id, person_id=body.person_id, actor=actor
    )
    return PostAssignmentRead.model_validate(assignment)


@router.delete("/posts/{post_id}/members/{person_id}", status_code=status.HTTP_204_NO_CONTENT)
def unassign_from_post(
    post_id: str, person_id: str, session: SessionDep, actor: CurrentActor
) -> Response:
    """Take a person off a post."""
    service.unassign_from_post(session, post_id=post_id, person_id=person_id, actor=actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
