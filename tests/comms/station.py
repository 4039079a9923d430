"""A small station for comms tests: two airlocks with posts, officers, guards and a medic.

Each crew member signs in with an account holding their role (the chain of command);
Bahati, the visiting commander, is called ``commander`` in the registry and has no account.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from muster import clock
from muster.auth.models import Account
from muster.comms.enums import ChannelKind, Precedence
from muster.comms.groups import PostsRule
from muster.comms.service import create_channel, send_message
from muster.db import Database
from muster.people.enums import Affiliation, PersonStatus
from muster.people.models import Person
from muster.places.enums import PortalKind, ZoneKind
from muster.places.models import Portal, Post, PostAssignment, Zone
from muster.policy.actor import Actor

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass
class Station:
    """Ids of what the fixture built, by name."""

    persons: dict[str, str] = field(default_factory=dict)
    posts: dict[str, str] = field(default_factory=dict)
    portals: dict[str, str] = field(default_factory=dict)


PEOPLE = {
    "John": (["commander"], Affiliation.CREW),
    "Dominic": (["officer"], Affiliation.CREW),
    "Ken": (["officer"], Affiliation.CREW),
    "Gail": (["guard"], Affiliation.CREW),
    "Sam": (["guard"], Affiliation.CREW),
    "Wes": (["guard"], Affiliation.CREW),
    "Tara": (["guard"], Affiliation.CREW),
    "Mary": (["medic"], Affiliation.CREW),
    "Lisa": ([], Affiliation.RESIDENT),
    "Bahati": (["commander"], Affiliation.VISITOR),
}
ASSIGNMENTS = {
    "South airlock post": ["Gail", "Sam"],
    "West airlock post": ["Wes", "Tara", "Dominic", "Ken"],
    "Hospital desk": ["Mary"],
}


def build_station(session: Session) -> Station:
    """Add the station's zones, airlocks, posts and people in ``session`` and flush."""
    now = clock.now()
    station = Station()
    inside = Zone(name="Residential ring", kind=ZoneKind.INTERNAL, created_at=now, updated_at=now)
    session.add(inside)
    for name in PEOPLE:
        roles, affiliation = PEOPLE[name]
        person = Person(
            name=name,
            affiliation=affiliation,
            roles=roles,
            status=PersonStatus.ACTIVE,
            created_at=now,
            updated_at=now,
        )
        session.add(person)
        session.flush()
        station.persons[name] = person.id
        if affiliation is Affiliation.CREW:
            session.add(
                Account(
                    username=f"station-{name.lower()}",
                    display_name=name,
                    person_id=person.id,
                    roles=roles,
                    password_hash="not-a-password",
                    created_at=now,
                )
            )
    for side in ("South", "West"):
        collar = Zone(name=f"{side} collar", kind=ZoneKind.COLLAR, created_at=now, updated_at=now)
        session.add(collar)
        session.flush()
        portal = Portal(
            name=f"{side} airlock",
            kind=PortalKind.AIRLOCK,
            inside_zone_id=inside.id,
            outside_zone_id=collar.id,
            created_at=now,
            updated_at=now,
        )
        session.add(portal)
        session.flush()
        station.portals[portal.name] = portal.id
    for post_name, names in ASSIGNMENTS.items():
        portal_id = station.portals.get(post_name.removesuffix(" post"))
        post = Post(name=post_name, portal_id=portal_id, created_at=now, updated_at=now)
        session.add(post)
        session.flush()
        station.posts[post_name] = post.id
        for name in names:
            session.add(
                PostAssignment(post_id=post.id, person_id=station.persons[name], assigned_at=now)
            )
    session.flush()
    return station


def commander(station: Station) -> Actor:
    """John, acting through his account."""
    return Actor(
        kind="account",
        id="acct-john",
        name="John",
        roles=frozenset({"commander"}),
        person_id=station.persons["John"],
    )


def airlock_order(session: Session, station: Station, **kw: object) -> str:
    """Send John's flash order to every airlock post; return the message id."""
    channel = create_channel(
        session,
        name="Airlock posts",
        kind=ChannelKind.GROUP,
        rule=PostsRule(portal_kind="airlock"),
        actor=commander(station),
    )
    message = send_message(
        session,
        channel_id=channel.id,
        precedence=kw.pop("precedence", Precedence.FLASH),  # type: ignore[arg-type]
        text="Visitors may leave. Residents may not leave with them.",
        actor=commander(station),
        **kw,  # type: ignore[arg-type]
    )
    return message.id


def airlock_channel(client: TestClient) -> str:
    """Create the airlock posts channel; return its id."""
    response = client.post(
        "/api/v1/comms/channels",
        json={
            "name": "Airlock posts",
            "kind": "group",
            "rule": {"kind": "posts", "portal_kind": "airlock"},
        },
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def committed(db: Database) -> Station:
    """The station built and committed (for tests that drive the API)."""
    with db.session_scope() as session:
        return build_station(session)
