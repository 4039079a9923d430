"""Building a scenario's station through the registry services, as an operator would."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from muster.auth.service import create_account
from muster.errors import DomainError
from muster.people import service as people
from muster.people.schemas import PartyCreate, PartyUpdate, PersonCreate
from muster.places import service as places
from muster.places.schemas import PortalCreate, PostCreate, ZoneCreate
from muster.policy.actor import Actor
from muster.scenario.model import Station


class StationFailed(Exception):
    """A service refused part of the station; ``path`` says which entry of the file."""

    def __init__(self, path: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


@contextmanager
def _entry(*path: str | int) -> Iterator[None]:
    try:
        yield
    except DomainError as exc:
        raise StationFailed(("station", *path), exc.message) from exc


def build_station(session: Session, *, station: Station, actor: Actor) -> dict[str, str]:
    """Register parties, zones, portals, persons, posts and accounts, in that order.

    A party's commander is named once its members are registered (the registry requires
    it). Returns the password of every account, generated where the file gives none.
    """
    party_ids: dict[str, str] = {}
    for i, party in enumerate(station.parties):
        data = PartyCreate(
            name=party.name,
            kind=party.kind,
            expected_aboard=party.expected_aboard,
            notes=party.notes,
        )
        with _entry("parties", i):
            party_ids[party.name] = people.create_party(session, data=data, actor=actor).id
    zone_ids: dict[str, str] = {}
    for i, zone in enumerate(station.zones):
        zone_data = ZoneCreate(
            name=zone.name,
            kind=zone.kind,
            docked_party_id=party_ids[zone.docked_party] if zone.docked_party else None,
            description=zone.description,
            map_x=zone.map_x,
            map_y=zone.map_y,
        )
        with _entry("zones", i):
            zone_ids[zone.name] = places.create_zone(session, data=zone_data, actor=actor).id
    portal_ids: dict[str, str] = {}
    for i, portal in enumerate(station.portals):
        portal_data = PortalCreate(
            name=portal.name,
            kind=portal.kind,
            inside_zone_id=zone_ids[portal.inside],
            outside_zone_id=zone_ids[portal.outside],
        )
        with _entry("portals", i):
            portal_ids[portal.name] = places.create_portal(
                session, data=portal_data, actor=actor
            ).id
    person_ids: dict[str, str] = {}
    for i, spec in station.numbered_persons():
        person_data = PersonCreate(
            name=spec.name,
            affiliation=spec.affiliation,
            party_id=party_ids[spec.party] if spec.party else None,
            roles=spec.roles,
            status=spec.status,
            notes=spec.notes,
            badge_id=spec.badge_id,
        )
        with _entry("persons", i):
            person_ids[spec.name] = people.create_person(session, data=person_data, actor=actor).id
    for i, party in enumerate(station.parties):
        if not party.commander:
            continue
        with _entry("parties", i, "commander"):
            people.update_party(
                session,
                party_id=party_ids[party.name],
                data=PartyUpdate(commander_id=person_ids[party.commander]),
                actor=actor,
            )
    for i, post in enumerate(station.posts):
        post_data = PostCreate(
            name=post.name,
            portal_id=portal_ids[post.portal] if post.portal else None,
            zone_id=zone_ids[post.zone] if post.zone else None,
        )
        with _entry("posts", i):
            post_id = places.create_post(session, data=post_data, actor=actor).id
        for j, name in enumerate(post.assigned):
            with _entry("posts", i, "assigned", j):
                places.assign_to_post(
                    session, post_id=post_id, person_id=person_ids[name], actor=actor
                )
    passwords: dict[str, str] = {}
    for i, account in enumerate(station.accounts):
        password = account.password or secrets.token_urlsafe(12)
        with _entry("accounts", i):
            create_account(
                session,
                username=account.username,
                display_name=account.display_name or account.person or account.username,
                roles=account.roles,
                password=password,
                actor=actor,
                person_id=person_ids[account.person] if account.person else None,
            )
        passwords[account.username] = password
    return passwords
