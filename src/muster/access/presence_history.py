"""Persons aboard by affiliation over time, replayed from the record.

A person's place changes only with an event: a presence set by an operator
(``access.presence.set``), a passage (``access.passage.recorded``) or a roll-call mark at a
post (``access.rollcall.marked``, the post's zone). Replaying them in order gives the head
count after each; the last point is the head count of the current-presence table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster import clock
from muster.events.series import POINTS, Logged, Series, logged, series_of
from muster.people.enums import Affiliation
from muster.people.models import Person
from muster.places.enums import ZoneKind
from muster.places.models import Portal, Post, Zone

MOVES = ("access.presence.set", "access.passage.recorded", "access.rollcall.marked")


def _post_zones(session: Session) -> dict[str, str]:
    """Each post's zone: its own, or the inner side of its portal (as a roll call puts it)."""
    inner: dict[str, str] = {}
    for portal_id, inside in session.execute(select(Portal.id, Portal.inside_zone_id)):
        inner[portal_id] = inside
    zones: dict[str, str] = {}
    for post_id, own, at_portal in session.execute(select(Post.id, Post.zone_id, Post.portal_id)):
        found = own or inner.get(at_portal or "")
        if found:
            zones[post_id] = found
    return zones


def _moved_to(event: Logged, post_zones: dict[str, str]) -> tuple[str, str] | None:
    """(person, zone) an event puts somewhere, or None."""
    subjects = [*event.subjects, "", ""]
    person = subjects[0]
    if event.kind == "access.presence.set":
        zone = subjects[1]
    elif event.kind == "access.passage.recorded":
        zone = str(event.payload.get("to_zone_id") or "")
    else:
        zone = post_zones.get(subjects[1], "")
    return (person, zone) if person and zone else None


def head_count_history(session: Session, *, points: int = POINTS) -> Series:
    """Persons aboard (in an internal zone) by affiliation after each move, oldest first."""
    internal = {
        zid: str(kind) == ZoneKind.INTERNAL.value
        for zid, kind in session.execute(select(Zone.id, Zone.kind))
    }
    affiliation = {
        pid: str(getattr(a, "value", a))
        for pid, a in session.execute(select(Person.id, Person.affiliation))
    }
    post_zones = _post_zones(session)

    def replay() -> Iterator[tuple[datetime, dict[str, int]]]:
        place: dict[str, str] = {}
        aboard: Counter[str] = Counter()
        for event in logged(session, MOVES):
            moved = _moved_to(event, post_zones)
            if moved is None or moved[0] not in affiliation:
                continue
            person, zone = moved
            group = affiliation[person]
            if internal.get(place.get(person, ""), False):
                aboard[group] -= 1
            place[person] = zone
            if internal.get(zone, False):
                aboard[group] += 1
            yield event.at, dict(aboard)

    return series_of([a.value for a in Affiliation], replay(), clock.now(), points)
