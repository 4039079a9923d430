"""What the station knows about persons and portals at a moment, as Cedar entities.

Everything is loaded in a fixed number of queries for a whole group, whatever its size.
State Cedar cannot see (time windows, presence, escorts, modes) is computed here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, or_, select, true
from sqlalchemy.orm import Session, aliased

from muster.access.enums import Direction
from muster.access.models import DutyPass, Hold, PolicyVersion, Presence, VisitAuthorization
from muster.access.transfers import case_transfers_now
from muster.db import UTCDateTime
from muster.errors import NotFound
from muster.people.models import Person
from muster.places.enums import ZoneKind
from muster.places.models import Portal, Zone
from muster.policy.authorize import Resource
from muster.welfare.models import ConsentCase


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
    consent_required: bool = False
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
                "consent_required": self.consent_required,
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

    def resource(self) -> Resource:
        """The portal as the resource of an operator action (a request, a passage, a mode)."""
        return Resource("Portal", self.id, self.entity()["attrs"])

    def target_zone(self, direction: Direction) -> str:
        """The zone a person steps into going ``direction``."""
        return self.outside_zone_id if direction == Direction.EXIT else self.inside_zone_id


_OUTSIDE = aliased(Zone)
_PORTAL_Q = (
    select(
        Portal.id,
        Portal.name,
        Portal.kind,
        Portal.mode,
        Portal.inside_zone_id,
        Portal.outside_zone_id,
        _OUTSIDE.docked_party_id,
    )
    .join(_OUTSIDE, _OUTSIDE.id == Portal.outside_zone_id)
    .where(or_(Portal.id == bindparam("ref"), Portal.name == bindparam("ref")))
)
_REFS: Any = bindparam("refs", expanding=True)
_REFS_Q = select(Person.id, Person.badge_id, Person.name).where(
    or_(Person.id.in_(_REFS), Person.badge_id.in_(_REFS), Person.name.in_(_REFS))
)
_IDS: Any = bindparam("ids", expanding=True)
SHIPPED_VERSION = "shipped"
_AT = bindparam("at", type_=UTCDateTime())


def _current(model: type[DutyPass] | type[VisitAuthorization]) -> Any:
    return (
        select(model.id)
        .where(
            model.person_id == Person.id,
            model.valid_from <= _AT,
            model.valid_until > _AT,
            model.revoked_at.is_(None),
        )
        .exists()
    )


# Statements built once: composing them per call costs more than running them.
_PERSON_COLUMNS = (
    Person.id,
    Person.badge_id,
    Person.name,
    Person.affiliation,
    Person.consent_required,
    Person.status,
    Person.party_id,
    Person.archived_at,
    Presence.zone_id,
    Zone.kind.label("zone_kind"),
    select(Hold.id)
    .where(Hold.person_id == Person.id, Hold.lifted_at.is_(None))
    .exists()
    .label("held"),
    _current(DutyPass).label("duty_pass"),
    select(ConsentCase.id)
    .where(ConsentCase.person_id == Person.id, case_transfers_now(_AT))
    .exists()
    .label("transfer"),
    _current(VisitAuthorization).label("visit"),
)


def _persons_where(condition: Any) -> Any:
    return (
        select(*_PERSON_COLUMNS)
        .outerjoin(Presence, Presence.person_id == Person.id)
        .outerjoin(Zone, Zone.id == Presence.zone_id)
        .where(condition)
    )


_PERSONS_Q = _persons_where(Person.id.in_(_IDS))
# The active policy version, as policy_store.active_version_id reads it.
_ACTIVE_VERSION = (
    select(PolicyVersion.id)
    .where(PolicyVersion.activated_at.is_not(None))
    .order_by(PolicyVersion.activated_at.desc(), PolicyVersion.number.desc())
    .limit(1)
    .scalar_subquery()
)
_PORTAL_SQ = (
    select(
        Portal.id.label("portal_id"),
        Portal.name.label("portal_name"),
        Portal.kind.label("portal_kind"),
        Portal.mode.label("portal_mode"),
        Portal.inside_zone_id,
        Portal.outside_zone_id,
        _OUTSIDE.docked_party_id,
        _ACTIVE_VERSION.label("policy_version"),
    )
    .join(_OUTSIDE, _OUTSIDE.id == Portal.outside_zone_id)
    .where(or_(Portal.id == bindparam("ref"), Portal.name == bindparam("ref")))
    .subquery("pt")
)
_WHO_SQ = _persons_where(
    or_(Person.id.in_(_REFS), Person.badge_id.in_(_REFS), Person.name.in_(_REFS))
).subquery("who")
# One row per person found, each carrying the portal; one row of NULL persons if none.
_REQUEST_Q = select(_PORTAL_SQ, _WHO_SQ).select_from(_PORTAL_SQ.outerjoin(_WHO_SQ, true()))
_HOLDS_Q = (
    select(Hold.person_id, Hold.kind, Hold.reason, Hold.placed_by, Hold.placed_at)
    .where(Hold.person_id.in_(_IDS), Hold.lifted_at.is_(None))
    .order_by(Hold.placed_at)
)
_TRANSFERS_Q = select(ConsentCase.person_id, ConsentCase.vessel_party_id).where(
    ConsentCase.person_id.in_(_IDS), case_transfers_now(_AT)
)
_VISITS_Q = select(VisitAuthorization.person_id, VisitAuthorization.zone_ids).where(
    VisitAuthorization.person_id.in_(_IDS),
    VisitAuthorization.valid_from <= _AT,
    VisitAuthorization.valid_until > _AT,
    VisitAuthorization.revoked_at.is_(None),
)


def load_portal(session: Session, portal_id: str) -> PortalFacts:
    """The portal's facts (one query), NotFound if there is no such portal."""
    row = _connection(session).execute(_PORTAL_Q, {"ref": portal_id}).first()
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
    found: dict[str, str] = {}
    for person_id, badge, name in _connection(session).execute(_REFS_Q, {"refs": wanted}):
        for key in (person_id, badge, name):
            if key in wanted and key not in found:
                found[key] = person_id
    return found


def _person_facts(row: Any) -> PersonFacts:
    """A person's facts from a row of ``_PERSON_COLUMNS``."""
    return PersonFacts(
        id=row.id,
        name=row.name,
        affiliation=str(row.affiliation),
        status=str(row.status),
        party_id=row.party_id or "",
        archived=row.archived_at is not None,
        consent_required=bool(row.consent_required),
        duty_pass_current=bool(row.duty_pass),
        zone_id=row.zone_id,
        zone_kind=str(row.zone_kind) if row.zone_kind is not None else None,
    )


def _add_details(
    conn: Connection, facts: dict[str, PersonFacts], rows: Sequence[Any], at: datetime
) -> None:
    """Holds, transfers and visits of the persons whose flags say they have some (one
    query per kind, only when needed)."""
    held = [r.id for r in rows if r.held]
    transfers = [r.id for r in rows if r.transfer]
    visits = [r.id for r in rows if r.visit]
    if held:
        for hold in conn.execute(_HOLDS_Q, {"ids": held}):
            facts[hold[0]].holds.append(HoldFact(hold[1], hold[2], hold[3], hold[4]))
    if transfers:
        for person_id, vessel_id in conn.execute(_TRANSFERS_Q, {"ids": transfers, "at": at}):
            facts[person_id].transfer_vessel_ids.add(vessel_id)
    if visits:
        for person_id, zone_ids in conn.execute(_VISITS_Q, {"ids": visits, "at": at}):
            facts[person_id].visit_current = True
            facts[person_id].visit_zone_ids.update(zone_ids or [])


def _connection(session: Session) -> Connection:
    """The session's connection for Core reads, after writing pending ORM changes (a hold
    placed earlier in the same transaction must be seen, as autoflush would)."""
    session.flush()
    return session.connection()


def load_persons(session: Session, person_ids: list[str], at: datetime) -> dict[str, PersonFacts]:
    """Facts of each known person in ``person_ids`` at time ``at`` (one query, plus one per
    kind of detail that some of them have: holds, transfers, visits)."""
    ids = list(dict.fromkeys(person_ids))
    if not ids:
        return {}
    conn = _connection(session)
    rows = conn.execute(_PERSONS_Q, {"ids": ids, "at": at}).all()
    facts = {row.id: _person_facts(row) for row in rows}
    _add_details(conn, facts, rows, at)
    return facts


@dataclass(frozen=True)
class RequestFacts:
    """Everything a request at a portal is decided on, read in one round trip."""

    portal: PortalFacts
    policy_version: str  # the active policy version id, "shipped" when none
    refs: dict[str, str]  # each known reference -> person id
    persons: dict[str, PersonFacts]


def load_request(
    session: Session, portal_ref: str, person_refs: Iterable[str], at: datetime
) -> RequestFacts:
    """The portal, the active policy version and each referenced person's facts in one
    query (plus one per kind of detail: holds, transfers, visits); NotFound if no portal."""
    wanted = list(dict.fromkeys(person_refs))
    conn = _connection(session)
    rows = conn.execute(_REQUEST_Q, {"ref": portal_ref, "refs": wanted or [""], "at": at}).all()
    if not rows:
        raise NotFound(f"no portal with id or name {portal_ref!r}; list portals to find it")
    first = rows[0]
    kind = str(first.portal_kind)
    portal = PortalFacts(
        id=first.portal_id,
        name=first.portal_name,
        kind=kind,
        mode=str(first.portal_mode),
        inside_zone_id=first.inside_zone_id,
        outside_zone_id=first.outside_zone_id,
        vessel_party_id=(first.docked_party_id or "") if kind == "airlock" else "",
    )
    people = [r for r in rows if r.portal_id == portal.id and r.id is not None]
    facts = {r.id: _person_facts(r) for r in people}
    refs: dict[str, str] = {}
    for r in people:
        for key in (r.id, r.badge_id, r.name):
            if key in wanted and key not in refs:
                refs[key] = r.id
    _add_details(conn, facts, people, at)
    return RequestFacts(portal, first.policy_version or SHIPPED_VERSION, refs, facts)


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
