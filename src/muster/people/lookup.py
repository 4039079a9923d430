"""Finding a person on record by id, badge or name.

Apart from ``muster.people.service`` (which changes the registry and imports the event
service and the identity rules) so that a command that only reads, such as ``muster hold
list --person``, finds the person without loading them.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.errors import NotFound
from muster.people.models import Person


def get_person(session: Session, person_id: str) -> Person:
    """The person with this id."""
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"no person with id {person_id!r}; list persons to find the right id")
    return person


def find_person(session: Session, ref: str) -> Person:
    """The person with this id, badge id or exact name."""
    person = session.get(Person, ref) or session.scalar(
        select(Person).where((Person.badge_id == ref) | (Person.name == ref))
    )
    if person is None:
        raise NotFound(f"no person with id, badge or name {ref!r}")
    return person
