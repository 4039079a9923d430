"""Force used at a post: who used it, against whom, with what, and the outcome.

Force is used by the station's staff only, named by account or person. A weapon named is
one from custody: signed out to that person, or to a post they are assigned to, now. Each
use is an event on the record, linked to the post, its portal, the open incident, the
persons and the weapon, so it reads on the incident's timeline and beside the weapon's
chain of custody.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.auth.models import Account
from muster.comms.groups import of_visiting_party
from muster.errors import Conflict, Invalid, NotFound
from muster.events.service import append_event
from muster.logistics.custody import open_custody
from muster.logistics.enums import HolderKind
from muster.logistics.models import Custody, Item, Unit
from muster.people.enums import Affiliation
from muster.people.models import Person
from muster.people.service import find_person
from muster.places.models import Post, PostAssignment
from muster.policy.actor import Actor
from muster.posts.models import ForceUse, PostReport
from muster.posts.schemas import ForceCreate


def staff_member(session: Session, ref: str) -> Person:
    """The station staff member ``ref`` names: an account's username, a person id or name."""
    account = session.scalar(select(Account).where(Account.username == ref))
    person = session.get(Person, account.person_id) if account and account.person_id else None
    if person is None:
        try:
            person = find_person(session, ref)
        except NotFound as exc:
            raise Invalid(
                f"no account or person {ref!r} to record force for; name who used force by "
                "username, person id or exact name"
            ) from exc
    if of_visiting_party(person) or person.affiliation is not Affiliation.CREW:
        raise Invalid(
            f"{person.name} is not of the station's staff; force is recorded for the "
            "station's crew. Name the visitors under 'against'."
        )
    return person


def against_person(session: Session, ref: str) -> Person:
    """A person force was used against, as the report names them (a field of the report,
    so an unknown name is the report's error, 422, not a missing resource)."""
    try:
        return find_person(session, ref)
    except NotFound as exc:
        raise Invalid(
            f"against: no person {ref!r}; name them by person id, badge or exact name, or "
            "count those not known under 'against_count'"
        ) from exc


def weapon_unit(session: Session, ref: str) -> tuple[Unit, Item]:
    """The tracked unit a serial or unit id names, and its item."""
    found = session.execute(
        select(Unit, Item)
        .join(Item, Item.id == Unit.item_id)
        .where((Unit.id == ref) | (Unit.serial == ref))
    ).all()
    if not found:
        raise Invalid(f"no weapon with serial or id {ref!r}; give a unit signed out from custody")
    if len(found) > 1:
        raise Invalid(f"more than one unit has serial {ref!r}; give the unit's id")
    unit, item = found[0]
    return unit, item


def signed_out_to(session: Session, *, unit: Unit, item: Item, person: Person) -> Custody:
    """The custody signature under which ``person`` holds the unit (or her post does)."""
    row = open_custody(session, unit.id)
    posts = set(
        session.scalars(select(PostAssignment.post_id).where(PostAssignment.person_id == person.id))
    )
    if row is not None and (
        (row.holder_kind is HolderKind.PERSON and row.holder_id == person.id)
        or (row.holder_kind is HolderKind.POST and row.holder_id in posts)
    ):
        return row
    raise Conflict(
        f"{item.name} {unit.serial} is not signed out to {person.name} or to a post of "
        f"theirs; name a weapon from their custody, or say in 'means' what was used"
    )


def force_summary(
    session: Session, *, post: Post, row: ForceUse, person: Person, weapon: str
) -> str:
    """The force used, in one line of the record."""
    query = select(Person.name).where(Person.id.in_(row.against_person_ids))
    names = sorted(session.scalars(query))
    against = ", ".join(names)
    if row.against_count > len(names):
        counted = f"{row.against_count} persons"
        against = f"{against} ({counted} in all)" if against else counted
    what = f" with {weapon}" if weapon else ""
    return (
        f"Force used at {post.name} by {person.name} against {against}{what}. "
        f"Outcome: {row.outcome}"
    )


def record_force(
    session: Session,
    *,
    report: PostReport,
    post: Post,
    data: ForceCreate,
    at: datetime,
    actor: Actor,
) -> ForceUse:
    """Check and record one use of force named in a report (the report's use case has
    authorized the actor)."""
    person = staff_member(session, data.used_by)
    against = [against_person(session, ref) for ref in dict.fromkeys(data.against)]
    if not against and data.against_count == 0:
        raise Invalid(
            f"say against whom {person.name} used force: persons under 'against', or a count"
        )
    unit_id = custody_id = None
    weapon = data.means
    if data.weapon:
        unit, item = weapon_unit(session, data.weapon)
        custody = signed_out_to(session, unit=unit, item=item, person=person)
        unit_id, custody_id = unit.id, custody.id
        weapon = f"{item.name} {unit.serial}"
    row = ForceUse(
        report_id=report.id,
        post_id=post.id,
        incident_id=report.incident_id,
        used_by_person_id=person.id,
        against_person_ids=[p.id for p in against],
        against_count=max(data.against_count, len(against)),
        unit_id=unit_id,
        custody_id=custody_id,
        means=data.means,
        outcome=data.outcome,
        used_at=at,
    )
    session.add(row)
    session.flush()
    append_event(
        session,
        kind="posts.force.used",
        actor=actor,
        subjects=[
            row.id,
            report.id,
            post.id,
            post.portal_id or "",
            report.incident_id or "",
            person.id,
            *row.against_person_ids,
            unit_id or "",
        ],
        payload={
            "summary": force_summary(session, post=post, row=row, person=person, weapon=weapon),
            "force_id": row.id,
            "report_id": report.id,
            "post_id": post.id,
            "incident_id": report.incident_id,
            "used_by_person_id": person.id,
            "against_person_ids": row.against_person_ids,
            "against_count": row.against_count,
            "unit_id": unit_id,
            "custody_id": custody_id,
            "means": data.means,
            "outcome": data.outcome,
        },
    )
    return row
