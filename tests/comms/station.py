"""A small station for comms tests: two airlocks with posts, officers, guards and a medic.

Each crew member signs in with an account holding their role (the chain of command);
Bahati, the visiting commander, is called ``commander`` in the registry and has no account.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from harness.station import account_row, person_row, portal_row, post_row, zone_row
from muster.comms.enums import ChannelKind, Precedence
from muster.comms.groups import PostsRule
from muster.comms.service import create_channel, send_message
from muster.db import Database
from muster.people.enums import Affiliation
from muster.places.enums import PortalKind, ZoneKind
from muster.places.models import Portal
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
    station = Station()
    inside = zone_row(session, "Residential ring")
    for name, (roles, affiliation) in PEOPLE.items():
        person = person_row(session, name, affiliation, roles=roles)
        station.persons[name] = person.id
        if affiliation is Affiliation.CREW:
            account_row(session, f"station-{name.lower()}", person, roles)
    for side in ("South", "West"):
        collar = zone_row(session, f"{side} collar", ZoneKind.COLLAR)
        portal = portal_row(session, f"{side} airlock", PortalKind.AIRLOCK, inside, collar)
        station.portals[portal.name] = portal.id
    for post_name, names in ASSIGNMENTS.items():
        portal_id = station.portals.get(post_name.removesuffix(" post"))
        post = post_row(
            session,
            post_name,
            portal=session.get(Portal, portal_id) if portal_id else None,
            assigned=[station.persons[n] for n in names],
        )
        station.posts[post_name] = post.id
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
