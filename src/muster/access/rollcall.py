"""Roll call: everyone's last known place, who is unaccounted for, marks by posts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from muster import clock
from muster.access.models import Presence, RollCall, RollCallMark
from muster.access.presence import move_person
from muster.auth.actor import Actor
from muster.errors import Conflict, Invalid, NotFound
from muster.events.service import append_event
from muster.people.enums import PersonStatus
from muster.people.models import Person
from muster.people.service import find_person
from muster.places.models import Portal, Post, Zone


def start_rollcall(session: Session, *, reason: str, actor: Actor) -> RollCall:
    """Open a roll call; an open one is closed first (one roll call at a time)."""
    if not reason.strip():
        raise Invalid("say why the roll call is called")
    at = clock.now()
    for old in session.scalars(select(RollCall).where(RollCall.closed_at.is_(None))):
        old.closed_at = at
    row = RollCall(reason=reason.strip(), started_at=at, started_by=actor.label)
    session.add(row)
    session.flush()
    append_event(
        session,
        kind="access.rollcall.started",
        actor=actor,
        subjects=[row.id],
        payload={"reason": row.reason},
    )
    return row


def current_rollcall(session: Session) -> RollCall | None:
    """The open roll call, if any."""
    return session.scalar(
        select(RollCall).where(RollCall.closed_at.is_(None)).order_by(RollCall.started_at.desc())
    )


def _post_zone(session: Session, post: Post) -> str | None:
    if post.zone_id:
        return post.zone_id
    if post.portal_id:
        portal = session.get(Portal, post.portal_id)
        return portal.inside_zone_id if portal else None
    return None


def mark_accounted(
    session: Session, *, person_ref: str, post_id: str, actor: Actor
) -> RollCallMark:
    """A post has seen the person: accounted for, and their place is the post's zone."""
    rollcall = current_rollcall(session)
    if rollcall is None:
        raise Conflict("no roll call is open; start one first")
    person = find_person(session, person_ref)
    post = session.get(Post, post_id) or session.scalar(select(Post).where(Post.name == post_id))
    if post is None:
        raise NotFound(f"no post with id or name {post_id!r}")
    if session.get(RollCallMark, (rollcall.id, person.id)) is not None:
        raise Conflict(f"{person.name} is already accounted for in this roll call")
    mark = RollCallMark(
        roll_call_id=rollcall.id,
        person_id=person.id,
        post_id=post.id,
        marked_at=clock.now(),
        marked_by=actor.label,
    )
    session.add(mark)
    zone_id = _post_zone(session, post)
    if zone_id:
        move_person(
            session, person_id=person.id, zone_id=zone_id, source=f"roll call at {post.name}"
        )
    append_event(
        session,
        kind="access.rollcall.marked",
        actor=actor,
        subjects=[person.id, post.id, rollcall.id],
        payload={"person": person.name, "post": post.name},
    )
    return mark


@dataclass(frozen=True)
class RollCallEntry:
    """One person not yet accounted for, with their last known place."""

    person_id: str
    name: str
    affiliation: str
    zone_id: str | None
    zone_name: str | None


@dataclass(frozen=True)
class RollCallReport:
    """The state of the roll call."""

    rollcall_id: str | None
    registered: int
    accounted: int
    unaccounted: int
    unaccounted_persons: list[RollCallEntry]


def rollcall_report(session: Session, *, limit: int = 100, offset: int = 0) -> RollCallReport:
    """Who is unaccounted for in the open roll call (everyone alive and registered is counted)."""
    rollcall = current_rollcall(session)
    rc_id = rollcall.id if rollcall else ""
    alive = and_(Person.archived_at.is_(None), Person.status != PersonStatus.DECEASED)
    registered = session.scalar(select(func.count()).select_from(Person).where(alive)) or 0
    accounted = (
        session.scalar(
            select(func.count())
            .select_from(RollCallMark)
            .join(Person, Person.id == RollCallMark.person_id)
            .where(RollCallMark.roll_call_id == rc_id, alive)
        )
        or 0
    )
    query = (
        select(Person.id, Person.name, Person.affiliation, Presence.zone_id, Zone.name)
        .outerjoin(
            RollCallMark,
            and_(RollCallMark.person_id == Person.id, RollCallMark.roll_call_id == rc_id),
        )
        .outerjoin(Presence, Presence.person_id == Person.id)
        .outerjoin(Zone, Zone.id == Presence.zone_id)
        .where(alive, RollCallMark.person_id.is_(None))
        .order_by(Person.name)
        .limit(limit)
        .offset(offset)
    )
    entries = [
        RollCallEntry(r[0], r[1], str(r[2]), r[3], r[4]) for r in session.execute(query).all()
    ]
    return RollCallReport(
        rollcall.id if rollcall else None, registered, accounted, registered - accounted, entries
    )
