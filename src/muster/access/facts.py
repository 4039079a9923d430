"""What the station knows about persons and portals at a moment, as Cedar entities.

Everything is loaded in a fixed number of queries for a whole group, whatever its size.
State Cedar cannot see (time windows, presence, escorts, modes) is computed here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from muster.access.enums import Direction
from muster.access.models import (
    DutyPass,
    Hold,
    Presence,
    TransferAuthorization,
    VisitAuthorization,
)
from muster.errors import NotFound
from muster.people.models import Person
from muster.places.enums import ZoneKind
from muster.places.models import Portal, Zone


@dataclass(frozen=True)
class HoldFact:
    """An open hold, as an explanation names it."""

    kind: str
    reason: str
    placed_by: str
    placed_at: datetime


@dataclass
class PersonFacts:
    """A person's state now: registry fields, holds, leave, presence."""

    id: str
    name: str
    affiliation: str
    status: str
    party_id: str
    archived: bool
    holds: list[HoldFact] = field(default_factory=list)
    duty_pass_current: bool = False
    transfer_vessel_ids: set[str] = field(default_factory=set)
    visit_current: bool = False
    visit_zone_ids: set[str] = field(default_factory=set)
    zone_id: str | None = None  # None: place unknown
    zone_kind: str | None = None

    def entity(self) -> dict[str, Any]:
        """The Cedar entity of this person."""
        return {
            "uid": {"type": "Person", "id": self.id},
            "attrs": {
                "affiliation": self.affiliation,
                "status": self.status,
                "party_id": self.party_id,
                "held": bool(self.holds),
                "duty_pass_current": self.duty_pass_current,
                "transfer_vessel_ids": sorted(self.transfer_vessel_ids),
                "visit_current": self.visit_current,
                "visit_zone_ids": sorted(self.visit_zone_ids),
            },
            "parents": [],
        }


@dataclass(frozen=True)
class PortalFacts:
    """A portal now: its zones, its mode and the vessel docked outside it."""

    id: str
    name: str
    kind: str
    mode: str
    inside_zone_id: str
    outside_zone_id: str
    vessel_party_id: str

    def entity(self) -> dict[str, Any]:
        """The Cedar entity of this portal."""
        return {
            "uid": {"type": "Portal", "id": self.id},
            "attrs": {
                "kind": self.kind,
                "mode": self.mode,
                "inside_zone_id": self.inside_zone_id,
                "outside_zone_id": self.outside_zone_id,
                "vessel_party_id": self.vessel_party_id,
            },
            "parents": [],
        }

    def target_zone(self, direction: Direction) -> str:
        """The zone a person steps into going ``direction``."""
        return self.outside_zone_id if direction == Direction.EXIT else self.inside_zone_id


def load_portal(session: Session, portal_id: str) -> PortalFacts:
    """The portal's facts (one query), NotFound if there is no such portal."""
    outside = aliased(Zone)
    row = session.execute(
        select(
            Portal.id,
            Portal.name,
            Portal.kind,
            Portal.mode,
            Portal.inside_zone_id,
            Portal.outside_zone_id,
            outside.docked_party_id,
        )
        .join(outside, outside.id == Portal.outside_zone_id)
        .where(or_(Portal.id == portal_id, Portal.name == portal_id))
    ).first()
    if row is None:
        raise NotFound(f"no portal with id or name {portal_id!r}; list portals to find it")
    kind = str(row[2])
    return PortalFacts(
        id=row[0],
        name=row[1],
        kind=kind,
        mode=str(row[3]),
        inside_zone_id=row[4],
        outside_zone_id=row[5],
        vessel_party_id=(row[6] or "") if kind == "airlock" else "",
    )


def resolve_refs(session: Session, refs: Iterable[str]) -> dict[str, str]:
    """Map each reference (id, badge id or exact name) to a person id; unknown ones are left out."""
    wanted = list(dict.fromkeys(refs))
    if not wanted:
        return {}
    rows = session.execute(
        select(Person.id, Person.badge_id, Person.name).where(
            or_(Person.id.in_(wanted), Person.badge_id.in_(wanted), Person.name.in_(wanted))
        )
    ).all()
    found: dict[str, str] = {}
    for person_id, badge, name in rows:
        for key in (person_id, badge, name):
            if key in wanted and key not in found:
                found[key] = person_id
    return found


def load_persons(session: Session, person_ids: list[str], at: datetime) -> dict[str, PersonFacts]:
    """Facts of each known person in ``person_ids`` at time ``at``."""
    ids = list(dict.fromkeys(person_ids))
    if not ids:
        return {}
    facts: dict[str, PersonFacts] = {}
    for row in session.execute(
        select(
            Person.id,
            Person.name,
            Person.affiliation,
            Person.status,
            Person.party_id,
            Person.archived_at,
        ).where(Person.id.in_(ids))
    ):
        facts[row[0]] = PersonFacts(
            id=row[0],
            name=row[1],
            affiliation=str(row[2]),
            status=str(row[3]),
            party_id=row[4] or "",
            archived=row[5] is not None,
        )
    if not facts:
        return facts
    known = list(facts)
    for hold in session.execute(
        select(Hold.person_id, Hold.kind, Hold.reason, Hold.placed_by, Hold.placed_at)
        .where(Hold.person_id.in_(known), Hold.lifted_at.is_(None))
        .order_by(Hold.placed_at)
    ):
        facts[hold[0]].holds.append(HoldFact(hold[1], hold[2], hold[3], hold[4]))
    for (person_id,) in session.execute(
        select(DutyPass.person_id).where(
            DutyPass.person_id.in_(known),
            DutyPass.valid_from <= at,
            DutyPass.valid_until > at,
            DutyPass.revoked_at.is_(None),
        )
    ):
        facts[person_id].duty_pass_current = True
    for person_id, vessel_id in session.execute(
        select(TransferAuthorization.person_id, TransferAuthorization.vessel_party_id).where(
            TransferAuthorization.person_id.in_(known),
            TransferAuthorization.valid_from <= at,
            TransferAuthorization.valid_until > at,
            TransferAuthorization.revoked_at.is_(None),
        )
    ):
        facts[person_id].transfer_vessel_ids.add(vessel_id)
    for person_id, zone_ids in session.execute(
        select(VisitAuthorization.person_id, VisitAuthorization.zone_ids).where(
            VisitAuthorization.person_id.in_(known),
            VisitAuthorization.valid_from <= at,
            VisitAuthorization.valid_until > at,
            VisitAuthorization.revoked_at.is_(None),
        )
    ):
        facts[person_id].visit_current = True
        facts[person_id].visit_zone_ids.update(zone_ids or [])
    for person_id, zone_id, zone_kind in session.execute(
        select(Presence.person_id, Presence.zone_id, Zone.kind)
        .join(Zone, Zone.id == Presence.zone_id)
        .where(Presence.person_id.in_(known))
    ):
        facts[person_id].zone_id = zone_id
        facts[person_id].zone_kind = str(zone_kind)
    return facts


def passback(person: PersonFacts, portal: PortalFacts, direction: Direction) -> bool:
    """True if the person's recorded place is already the side they ask to go to."""
    if person.zone_id is None:
        return False
    if portal.kind == "airlock":
        aboard = person.zone_kind == ZoneKind.INTERNAL.value
        return aboard if direction == Direction.ENTER else not aboard
    return person.zone_id == portal.target_zone(direction)


def is_escort(person: PersonFacts) -> bool:
    """True if this person can escort a visitor: crew, alive, on the register."""
    return (
        person.affiliation == "crew"
        and person.status in ("active", "injured")
        and not person.archived
    )


def context_for(
    person: PersonFacts, portal: PortalFacts, direction: Direction, group: list[PersonFacts]
) -> dict[str, Any]:
    """The Cedar context of one person's request in a group passing together."""
    return {
        "passback": passback(person, portal, direction),
        "escort_present": any(is_escort(p) for p in group if p.id != person.id),
        "target_zone_id": portal.target_zone(direction),
    }
