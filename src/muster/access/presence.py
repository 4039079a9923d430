"""Who is where: a current-presence table kept with each passage, and head counts from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster import clock
from muster.access.models import Presence
from muster.errors import NotFound
from muster.events.service import append_event
from muster.people.enums import PersonStatus
from muster.people.models import Party, Person
from muster.people.service import find_person
from muster.places.enums import ZoneKind
from muster.places.models import Zone
from muster.policy.actor import Actor
from muster.policy.authorize import authorize


def move_person(session: Session, *, person_id: str, zone_id: str, source: str) -> Presence:
    """Put the person in ``zone_id`` now (no event: the caller logs why)."""
    row = session.get(Presence, person_id)
    at = clock.now()
    if row is None:
        row = Presence(person_id=person_id, zone_id=zone_id, since=at, source=source)
        session.add(row)
    else:
        row.zone_id = zone_id
        row.since = at
        row.source = source
    session.flush()
    return row


def set_presence(
    session: Session, *, person_id: str, zone_id: str, reason: str, actor: Actor
) -> Presence:
    """Record where a person is, as seen by an operator (a muster, a search, a boarding).

    ``presence.set``, authorized before the person (id, badge id or name) is looked up.
    """
    authorize(actor, "presence.set")
    person = find_person(session, person_id)
    zone = session.get(Zone, zone_id)
    if zone is None:
        raise NotFound(f"no zone with id {zone_id!r}; list zones to find it")
    row = move_person(session, person_id=person.id, zone_id=zone.id, source=reason or actor.label)
    append_event(
        session,
        kind="access.presence.set",
        actor=actor,
        subjects=[person.id, zone.id, person.party_id or ""],
        payload={"person": person.name, "zone": zone.name, "reason": reason},
    )
    return row


@dataclass(frozen=True)
class Place:
    """Where one person is: a zone aboard, departed to a vessel, or unknown."""

    person_id: str
    zone_id: str | None
    zone_name: str | None
    aboard: bool
    departed_to_party_id: str | None

    @property
    def words(self) -> str:
        """The place as a post says it."""
        if self.zone_id is None:
            return "unknown"
        if self.aboard:
            return str(self.zone_name)
        return f"departed to vessel {self.departed_to_party_id or '(none docked)'}"


def place_of(session: Session, person_id: str) -> Place:
    """The person's last known place."""
    row = session.execute(
        select(Presence.zone_id, Zone.name, Zone.kind, Zone.docked_party_id)
        .join(Zone, Zone.id == Presence.zone_id)
        .where(Presence.person_id == person_id)
    ).first()
    if row is None:
        return Place(person_id, None, None, False, None)
    aboard = str(row[2]) == ZoneKind.INTERNAL.value
    return Place(person_id, row[0], row[1], aboard, None if aboard else row[3])


@dataclass
class HeadCounts:
    """Counts of persons aboard by zone, affiliation and party, and visitors against expected."""

    aboard: int = 0
    by_zone: dict[str, int] = field(default_factory=dict)
    by_affiliation: dict[str, int] = field(default_factory=dict)
    by_party: dict[str, int] = field(default_factory=dict)
    departed_by_party: dict[str, int] = field(default_factory=dict)
    visitors_expected: dict[str, int] = field(default_factory=dict)
    unknown: int = 0


def head_counts(session: Session) -> HeadCounts:
    """Head counts from the current-presence table (a few grouped queries)."""
    counts = HeadCounts()
    internal = Zone.kind == ZoneKind.INTERNAL
    for zone_id, n in session.execute(
        select(Presence.zone_id, func.count()).group_by(Presence.zone_id)
    ):
        counts.by_zone[zone_id] = n
    base = (
        select(Person.affiliation, func.count())
        .join(Presence, Presence.person_id == Person.id)
        .join(Zone, Zone.id == Presence.zone_id)
    )
    for affiliation, n in session.execute(base.where(internal).group_by(Person.affiliation)):
        counts.by_affiliation[str(affiliation)] = n
        counts.aboard += n
    party_q = (
        select(Person.party_id, internal, Zone.docked_party_id, func.count())
        .join(Presence, Presence.person_id == Person.id)
        .join(Zone, Zone.id == Presence.zone_id)
        .where(Person.party_id.is_not(None))
        .group_by(Person.party_id, internal, Zone.docked_party_id)
    )
    for party_id, is_internal, docked, n in session.execute(party_q):
        if is_internal:
            pid = party_id or ""
            counts.by_party[pid] = counts.by_party.get(pid, 0) + n
        else:
            key = docked or ""
            counts.departed_by_party[key] = counts.departed_by_party.get(key, 0) + n
    for party_id, expected in session.execute(select(Party.id, Party.expected_aboard)):
        counts.visitors_expected[party_id] = expected
    counts.unknown = (
        session.scalar(
            select(func.count())
            .select_from(Person)
            .outerjoin(Presence, Presence.person_id == Person.id)
            .where(
                Presence.person_id.is_(None),
                Person.archived_at.is_(None),
                Person.status != PersonStatus.DECEASED,
            )
        )
        or 0
    )
    return counts


HEADCOUNT_RECORDED = "access.headcount.recorded"


def named_counts(session: Session, counts: HeadCounts) -> dict[str, Any]:
    """Head counts with zones and parties by name, as a record keeps them."""
    zones: dict[str, str] = dict(session.execute(select(Zone.id, Zone.name)).all())
    parties: dict[str, str] = dict(session.execute(select(Party.id, Party.name)).all())
    return {
        "aboard": counts.aboard,
        "by_zone": {zones.get(k, k): n for k, n in counts.by_zone.items()},
        "by_affiliation": dict(counts.by_affiliation),
        "by_party": {parties.get(k, k): n for k, n in counts.by_party.items()},
        "departed_by_party": {parties.get(k, k): n for k, n in counts.departed_by_party.items()},
    }


def record_headcount(session: Session, *, checkpoint: str, actor: Actor) -> dict[str, Any]:
    """Record the head counts now under a checkpoint's name (``presence.read``), for an
    exercise's expectations to judge later; the counts recorded."""
    authorize(actor, "presence.read")
    counts = named_counts(session, head_counts(session))
    append_event(
        session, kind=HEADCOUNT_RECORDED, actor=actor, payload={"checkpoint": checkpoint, **counts}
    )
    return counts
