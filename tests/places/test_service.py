"""Rules of the places registry: zones, portals and posts."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster.errors import Conflict, Invalid, NotFound
from muster.events.models import Event
from muster.people import service as people
from muster.people.enums import Affiliation, PartyKind
from muster.people.models import Person
from muster.people.schemas import PartyCreate, PersonCreate, PersonUpdate
from muster.places import service
from muster.places.enums import PortalKind, PortalMode, ZoneKind
from muster.places.models import Portal, Post, Zone
from muster.places.schemas import (
    PortalCreate,
    PortalUpdate,
    PostCreate,
    ZoneCreate,
    ZoneUpdate,
)
from muster.policy.actor import Actor


def zone(session: Session, actor: Actor, name: str, kind: str = "internal", **kw: Any) -> Zone:
    """Register a zone."""
    data = ZoneCreate(name=name, kind=ZoneKind(kind), **kw)
    return service.create_zone(session, data=data, actor=actor)


def portal(session: Session, actor: Actor, name: str, kind: str, inside: Zone, out: Zone) -> Portal:
    """Register a portal between two zones."""
    data = PortalCreate(
        name=name, kind=PortalKind(kind), inside_zone_id=inside.id, outside_zone_id=out.id
    )
    return service.create_portal(session, data=data, actor=actor)


def person(session: Session, actor: Actor, name: str) -> Person:
    """Register a crew member."""
    data = PersonCreate(name=name, affiliation=Affiliation.CREW)
    return people.create_person(session, data=data, actor=actor)


def kinds(session: Session) -> list[str]:
    """Kinds of the events in the log, in order."""
    return list(session.scalars(select(Event.kind).order_by(Event.seq)))


class TestZones:
    """Zones have unique names; only collars take a docked party; kinds stay put under portals."""

    def test_create_and_list(self, session: Session, actor: Actor) -> None:
        for name in ("Hub", "Hospital"):
            zone(session, actor, name)
        zone(session, actor, "South collar", "collar")
        rows, total = service.list_zones(session, kind=ZoneKind.INTERNAL, limit=1, offset=1)
        assert total == 2
        assert [z.name for z in rows] == ["Hub"]
        assert kinds(session) == ["places.zone.created"] * 3

    def test_duplicate_name(self, session: Session, actor: Actor) -> None:
        zone(session, actor, "Hub")
        with pytest.raises(Conflict, match="'Hub'"):
            zone(session, actor, "Hub", "collar")
        assert session.scalar(select(func.count()).select_from(Zone)) == 1

    def test_docking(self, session: Session, actor: Actor) -> None:
        party = people.create_party(
            session, data=PartyCreate(name="Vessel", kind=PartyKind.VESSEL), actor=actor
        )
        with pytest.raises(Invalid, match="only a docking collar"):
            zone(session, actor, "Hub", docked_party_id=party.id)
        with pytest.raises(NotFound, match="no party"):
            zone(session, actor, "South collar", "collar", docked_party_id="ghost")
        collar = zone(session, actor, "South collar", "collar", docked_party_id=party.id)
        data = ZoneUpdate(docked_party_id=None)
        service.update_zone(session, zone_id=collar.id, data=data, actor=actor)
        assert collar.docked_party_id is None
        updated = session.scalars(select(Event).where(Event.kind == "places.zone.updated")).one()
        assert updated.subjects == [collar.id, party.id]

    def test_kind_fixed_while_portals_use_it(self, session: Session, actor: Actor) -> None:
        hub, collar = zone(session, actor, "Hub"), zone(session, actor, "Collar", "collar")
        portal(session, actor, "South airlock", "airlock", hub, collar)
        with pytest.raises(Conflict, match="has portals"):
            service.update_zone(
                session, zone_id=collar.id, data=ZoneUpdate(kind=ZoneKind.INTERNAL), actor=actor
            )
        assert collar.kind is ZoneKind.COLLAR

    def test_find(self, session: Session, actor: Actor) -> None:
        hub = zone(session, actor, "Hub")
        assert service.find_zone(session, "Hub") is hub
        assert service.find_zone(session, hub.id) is hub
        with pytest.raises(NotFound, match="'hub'"):
            service.find_zone(session, "hub")


class TestPortals:
    """Airlocks lead from an internal zone to a collar; doors join two internal zones."""

    @pytest.fixture
    def zones(self, session: Session, actor: Actor) -> dict[str, Zone]:
        return {
            "hub": zone(session, actor, "Hub"),
            "hospital": zone(session, actor, "Hospital"),
            "collar": zone(session, actor, "South collar", "collar"),
        }

    def test_airlock_and_door(self, session: Session, actor: Actor, zones: dict[str, Zone]) -> None:
        airlock = portal(session, actor, "South", "airlock", zones["hub"], zones["collar"])
        portal(session, actor, "Ward door", "door", zones["hub"], zones["hospital"])
        assert airlock.mode is PortalMode.NORMAL
        created = session.scalars(select(Event).where(Event.kind == "places.portal.created"))
        assert next(iter(created)).subjects == [airlock.id, zones["hub"].id, zones["collar"].id]
        rows, total = service.list_portals(session, kind=PortalKind.DOOR, limit=10, offset=0)
        assert [p.name for p in rows] == ["Ward door"]
        rows, total = service.list_portals(session, zone_id=zones["collar"].id, limit=10, offset=0)
        assert (total, rows[0].name) == (1, "South")

    @pytest.mark.parametrize(
        ("kind", "inside", "outside", "message"),
        [
            ("airlock", "collar", "hub", "inside of a portal must be an internal zone"),
            ("airlock", "hub", "hospital", "leads to a docking collar"),
            ("door", "hub", "collar", "joins two internal zones"),
            ("door", "hub", "hub", "two different zones"),
        ],
    )
    def test_refused_layouts(
        self,
        session: Session,
        actor: Actor,
        zones: dict[str, Zone],
        kind: str,
        inside: str,
        outside: str,
        message: str,
    ) -> None:
        with pytest.raises(Invalid, match=message):
            portal(session, actor, "Bad", kind, zones[inside], zones[outside])
        assert session.scalar(select(func.count()).select_from(Portal)) == 0

    def test_unknown_zone_and_duplicate(
        self, session: Session, actor: Actor, zones: dict[str, Zone]
    ) -> None:
        ghost = Zone(id="ghost", name="Ghost", kind=ZoneKind.COLLAR)
        with pytest.raises(NotFound, match="'ghost'"):
            portal(session, actor, "South", "airlock", zones["hub"], ghost)
        portal(session, actor, "South", "airlock", zones["hub"], zones["collar"])
        with pytest.raises(Conflict, match="'South'"):
            portal(session, actor, "South", "door", zones["hub"], zones["hospital"])

    def test_update_checks_layout_and_never_mode(
        self, session: Session, actor: Actor, zones: dict[str, Zone]
    ) -> None:
        airlock = portal(session, actor, "South", "airlock", zones["hub"], zones["collar"])
        data = PortalUpdate(outside_zone_id=zones["hospital"].id)
        with pytest.raises(Invalid, match="leads to a docking collar"):
            service.update_portal(session, portal_id=airlock.id, data=data, actor=actor)
        data = PortalUpdate(name="South airlock")
        service.update_portal(session, portal_id=airlock.id, data=data, actor=actor)
        assert service.find_portal(session, "South airlock") is airlock
        with pytest.raises(ValidationError, match="mode"):
            PortalUpdate.model_validate({"mode": "lockdown"})


class TestPosts:
    """Posts sit at portals or in zones; persons are assigned and taken off, each logged."""

    @pytest.fixture
    def post(self, session: Session, actor: Actor) -> Post:
        hub, collar = zone(session, actor, "Hub"), zone(session, actor, "Collar", "collar")
        airlock = portal(session, actor, "South airlock", "airlock", hub, collar)
        data = PostCreate(name="South post", portal_id=airlock.id)
        return service.create_post(session, data=data, actor=actor)

    def test_create_refusals(self, session: Session, actor: Actor, post: Post) -> None:
        with pytest.raises(Conflict, match="'South post'"):
            service.create_post(session, data=PostCreate(name="South post"), actor=actor)
        data = PostCreate(name="West post", portal_id="ghost")
        with pytest.raises(NotFound, match="no portal"):
            service.create_post(session, data=data, actor=actor)
        _rows, total = service.list_posts(session, limit=10, offset=0)
        assert total == 1

    def test_assign_and_unassign(self, session: Session, actor: Actor, post: Post) -> None:
        ken, dominic = person(session, actor, "Ken"), person(session, actor, "Dominic")
        for member in (ken, dominic):
            service.assign_to_post(session, post_id=post.id, person_id=member.id, actor=actor)
        assert [p.name for p in service.post_members(session, post.id)] == ["Dominic", "Ken"]
        assert service.posts_of_person(session, ken.id) == [post]
        with pytest.raises(Conflict, match="already assigned"):
            service.assign_to_post(session, post_id=post.id, person_id=ken.id, actor=actor)
        service.unassign_from_post(session, post_id=post.id, person_id=ken.id, actor=actor)
        assert service.post_members(session, post.id) == [dominic]
        with pytest.raises(NotFound, match="not assigned"):
            service.unassign_from_post(session, post_id=post.id, person_id=ken.id, actor=actor)
        assigned = session.scalars(select(Event).where(Event.kind == "places.post.assigned"))
        assert next(iter(assigned)).subjects == [post.id, ken.id, post.portal_id]
        assert kinds(session).count("places.post.unassigned") == 1

    def test_archived_and_deceased_cannot_be_assigned(
        self, session: Session, actor: Actor, post: Post
    ) -> None:
        lisa, ken = person(session, actor, "Lisa"), person(session, actor, "Ken")
        people.update_person(session, person_id=lisa.id, data=PersonUpdate(notes="x"), actor=actor)
        people.delete_person(session, person_id=lisa.id, actor=actor)
        with pytest.raises(Invalid, match="archived"):
            service.assign_to_post(session, post_id=post.id, person_id=lisa.id, actor=actor)
        data = PersonUpdate.model_validate({"status": "deceased"})
        people.update_person(session, person_id=ken.id, data=data, actor=actor)
        with pytest.raises(Invalid, match="deceased"):
            service.assign_to_post(session, post_id=post.id, person_id=ken.id, actor=actor)
        assert service.post_members(session, post.id) == []

    def test_unknown_post_or_person(self, session: Session, actor: Actor, post: Post) -> None:
        ken = person(session, actor, "Ken")
        with pytest.raises(NotFound, match="no post"):
            service.assign_to_post(session, post_id="ghost", person_id=ken.id, actor=actor)
        with pytest.raises(NotFound, match="no person"):
            service.assign_to_post(session, post_id=post.id, person_id="ghost", actor=actor)
        with pytest.raises(NotFound, match="no post"):
            service.post_members(session, "ghost")
