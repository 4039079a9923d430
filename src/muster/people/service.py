"""The people registry: persons and the parties they belong to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, String, cast, column, exists, func, literal, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from muster import clock
from muster.db import Base
from muster.errors import Conflict, Invalid, NotFound
from muster.events.models import Event, EventSubject
from muster.events.service import append_event
from muster.people.enums import Affiliation, PersonStatus
from muster.people.identity import IDENTITY_FIELDS, guarded_change
from muster.people.lookup import find_person as find_person
from muster.people.lookup import get_person as get_person
from muster.people.models import Party, Person
from muster.people.schemas import PartyCreate, PartyUpdate, PersonCreate, PersonUpdate
from muster.policy.actor import Actor
from muster.policy.authorize import authorize, is_allowed

PERSON_CREATED = "people.person.created"


def save_unique(session: Session, row: Base, *, clash: str) -> None:
    """Flush ``row``; a unique-constraint violation becomes ``Conflict(clash)``.

    Callers check for duplicates first, so this only catches the insert that a concurrent
    transaction won; the transaction is then spent and the boundary rolls it back. Append
    the row's event after this call, so a refused row leaves none.
    """
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(clash) from exc


def apply_changes(row: Base, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set the given attributes on ``row``; return ``{field: [old, new]}`` for real changes."""
    changes: dict[str, list[Any]] = {}
    for field, value in values.items():
        old = getattr(row, field)
        if old != value:
            changes[field] = [old, value]
            setattr(row, field, value)
    return changes


# Persons


@dataclass(frozen=True)
class PersonFilter:
    """Which persons to list; every field given narrows the list."""

    affiliation: Affiliation | None = None
    party_id: str | None = None
    status: PersonStatus | None = None
    role: str | None = None
    q: str | None = None  # a part of the name, any case
    include_archived: bool = False


def _archived_note(archived_at: Any) -> str:
    if archived_at is None:
        return ""
    return " (archived: their record, with its holds and cases, stays theirs)"


def _check_person_name(session: Session, name: str, *, except_id: str | None = None) -> None:
    query = select(Person.archived_at).where(Person.name == name, Person.id != (except_id or ""))
    taken = session.execute(query).first()
    if taken:
        raise Conflict(
            f"a person named {name!r} is already registered{_archived_note(taken[0])}; "
            "use another name"
        )


def _check_badge(session: Session, badge_id: str | None, *, except_id: str | None = None) -> None:
    if badge_id is None:
        return
    query = select(Person.name, Person.archived_at).where(
        Person.badge_id == badge_id, Person.id != (except_id or "")
    )
    holder = session.execute(query).first()
    if holder:
        raise Conflict(
            f"badge {badge_id!r} already belongs to {holder[0]}{_archived_note(holder[1])}; "
            "use another badge id"
        )


def create_person(session: Session, *, data: PersonCreate, actor: Actor) -> Person:
    """Register a person. A resident is registered with the consent requirement (P2).

    A person archived with their holds and cases is not registered again under their
    name or badge: the record that carries them stays the person's record.
    """
    authorize(actor, "registry.write")
    _check_person_name(session, data.name)
    _check_badge(session, data.badge_id)
    at = clock.now()
    values = data.model_dump()
    if data.party_id is not None:
        values["party_id"] = find_party(session, data.party_id).id
    values["roles"] = sorted(set(data.roles))
    values["consent_required"] = data.affiliation == Affiliation.RESIDENT
    person = Person(**values, created_at=at, updated_at=at)
    save_unique(
        session, person, clash=f"the name {data.name!r} or badge {data.badge_id!r} is taken"
    )
    append_event(
        session,
        kind=PERSON_CREATED,
        actor=actor,
        subjects=[person.id, person.party_id or ""],
        payload=values,
    )
    return person


def update_person(session: Session, *, person_id: str, data: PersonUpdate, actor: Actor) -> Person:
    """Change the given fields of a person. A status change is also logged on its own.

    A medic may record a status alone (``person.status``); any other change is a registry
    write. Holds and consent cases stay with the person whatever changes: changing who
    someone held or in a case is (``IDENTITY_FIELDS``) is the commander's alone and
    alerted, and a resident's consent requirement is never shed (P1, P2).
    """
    values = data.model_dump(exclude_unset=True)
    status_only = set(values) <= {"status"} and is_allowed(actor, "person.status")
    authorize(actor, "person.status" if status_only else "registry.write")
    person = find_person(session, person_id)
    if "name" in values:
        _check_person_name(session, values["name"], except_id=person.id)
    if "badge_id" in values:
        _check_badge(session, values["badge_id"], except_id=person.id)
    if "roles" in values:
        values["roles"] = sorted(set(values["roles"]))
    if values.get("party_id") is not None:
        values["party_id"] = find_party(session, values["party_id"]).id
    if "party_id" in values and values["party_id"] != person.party_id:
        commanded = session.scalar(select(Party.name).where(Party.commander_id == person.id))
        if commanded:
            raise Conflict(
                f"{person.name} commands the party {commanded}; "
                "name another commander of that party before moving them"
            )
    identity = {
        f: [getattr(person, f), values[f]]
        for f in IDENTITY_FIELDS
        if f in values and values[f] != getattr(person, f)
    }
    if identity:
        guarded_change(
            session, person, what="change " + ", ".join(identity), details={}, actor=actor
        )
    if values.get("affiliation") == Affiliation.RESIDENT:
        values["consent_required"] = True
    old_party = person.party_id
    changes = apply_changes(person, values)
    if not changes:
        return person
    person.updated_at = clock.now()
    save_unique(session, person, clash=f"the new name or badge of {person.name} is taken")
    subjects = [person.id, old_party or "", person.party_id or ""]
    append_event(
        session,
        kind="people.person.updated",
        actor=actor,
        subjects=subjects,
        payload={"name": person.name, "changes": changes},
    )
    if "status" in changes:
        old, new = changes["status"]
        append_event(
            session,
            kind="people.person.status_changed",
            actor=actor,
            subjects=[person.id],
            payload={"name": person.name, "from": old, "to": new},
        )
    return person


def _has_role(role: str, dialect: str) -> ColumnElement[bool]:
    """A condition: the person's role list contains ``role`` exactly."""
    if dialect == "postgresql":
        return cast(Person.roles, JSONB).contains([role])
    element = column("value", String)
    return exists(
        select(literal(1)).select_from(func.json_each(Person.roles)).where(element == role)
    )


def _person_query(session: Session, flt: PersonFilter) -> Select[Person]:
    query = select(Person)
    if not flt.include_archived:
        query = query.where(Person.archived_at.is_(None))
    if flt.affiliation is not None:
        query = query.where(Person.affiliation == flt.affiliation)
    if flt.party_id is not None:
        query = query.where(Person.party_id == flt.party_id)
    if flt.status is not None:
        query = query.where(Person.status == flt.status)
    if flt.role:
        query = query.where(_has_role(flt.role, session.get_bind().dialect.name))
    if flt.q:
        query = query.where(func.lower(Person.name).contains(flt.q.lower(), autoescape=True))
    return query


def list_persons(
    session: Session, *, flt: PersonFilter, limit: int = 50, offset: int = 0
) -> tuple[list[Person], int]:
    """A page of persons by name, and how many match in all."""
    query = _person_query(session, flt)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Person.name).limit(limit).offset(offset)).all()
    return list(rows), total


def person_record_references(session: Session, person_id: str) -> list[str]:
    """Where the record names this person, besides their own creation event (empty if nowhere)."""
    import muster.models  # noqa: F401  # every table must be known to find every reference

    found: list[str] = []
    created = select(Event.seq).where(Event.kind == PERSON_CREATED)
    events = select(func.count()).where(
        EventSubject.subject == person_id, EventSubject.seq.not_in(created)
    )
    count = session.scalar(events) or 0
    if count:
        found.append(f"{count} event(s) in the log")
    if session.scalar(select(Party.name).where(Party.commander_id == person_id)):
        found.append("parties (as commander)")
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == Person.__tablename__:
                hit = session.scalar(select(literal(1)).where(fk.parent == person_id).limit(1))
                if hit:
                    found.append(table.name)
    return found


def remove_person(session: Session, *, person_id: str, actor: Actor) -> tuple[Person, list[str]]:
    """Delete or archive a person (see ``delete_person``); also say where the record names them.

    The list is empty when the person was really deleted. Archiving someone held or in
    a consent case is the commander's alone, and alerted; the holds and cases keep the
    archived record, which passes no portal.
    """
    authorize(actor, "person.archive")
    person = find_person(session, person_id)
    if person.archived_at is None:
        guarded_change(session, person, what="archive", details={}, actor=actor)
    references = person_record_references(session, person.id)
    if references:
        if person.archived_at is None:
            person.archived_at = clock.now()
            person.updated_at = person.archived_at
            append_event(
                session,
                kind="people.person.archived",
                actor=actor,
                subjects=[person.id],
                payload={"name": person.name, "referenced_by": references},
            )
        session.flush()
        return person, references
    session.delete(person)
    session.flush()
    append_event(
        session,
        kind="people.person.deleted",
        actor=actor,
        subjects=[person.id],
        payload={"name": person.name},
    )
    return person, []


def delete_person(session: Session, *, person_id: str, actor: Actor) -> Person:
    """Delete a person the record never names; otherwise archive them, keeping the record.

    The returned person has ``archived_at`` set when they were archived instead.
    """
    person, _references = remove_person(session, person_id=person_id, actor=actor)
    return person


# Parties


def get_party(session: Session, party_id: str) -> Party:
    """The party with this id."""
    party = session.get(Party, party_id)
    if party is None:
        raise NotFound(f"no party with id {party_id!r}; list parties to find the right id")
    return party


def find_party(session: Session, ref: str) -> Party:
    """The party with this id or exact name."""
    party = session.get(Party, ref) or session.scalar(select(Party).where(Party.name == ref))
    if party is None:
        raise NotFound(f"no party with id or name {ref!r}")
    return party


def _check_party_name(session: Session, name: str, *, except_id: str | None = None) -> None:
    query = select(Party.id).where(Party.name == name, Party.id != (except_id or ""))
    if session.scalar(query):
        raise Conflict(f"a party named {name!r} is already registered; use another name")


def _check_commander(session: Session, party: Party, commander_ref: str) -> str:
    """The id of the person named to command ``party`` (id, badge or name)."""
    commander = find_person(session, commander_ref)
    if commander.party_id != party.id:
        raise Invalid(
            f"{commander.name} is not a member of the party {party.name}; "
            "set their party first, then name them commander"
        )
    if commander.archived_at is not None:
        raise Invalid(f"{commander.name} is archived and cannot command a party")
    return commander.id


def create_party(session: Session, *, data: PartyCreate, actor: Actor) -> Party:
    """Register a party. It has no members yet, so its commander is named afterwards."""
    authorize(actor, "registry.write")
    _check_party_name(session, data.name)
    if data.commander_id is not None:
        raise Invalid(
            "a new party has no members, so it cannot have a commander yet; create the party, "
            "register its commander with this party, then set commander_id"
        )
    at = clock.now()
    party = Party(**data.model_dump(), created_at=at, updated_at=at)
    save_unique(session, party, clash=f"a party named {data.name!r} is already registered")
    append_event(
        session,
        kind="people.party.created",
        actor=actor,
        subjects=[party.id],
        payload=data.model_dump(),
    )
    return party


def update_party(session: Session, *, party_id: str, data: PartyUpdate, actor: Actor) -> Party:
    """Change the given fields of a party; a commander must be one of its members."""
    authorize(actor, "registry.write")
    party = find_party(session, party_id)
    values = data.model_dump(exclude_unset=True)
    if "name" in values:
        _check_party_name(session, values["name"], except_id=party.id)
    if values.get("commander_id") is not None:
        values["commander_id"] = _check_commander(session, party, values["commander_id"])
    old_commander = party.commander_id
    changes = apply_changes(party, values)
    if not changes:
        return party
    party.updated_at = clock.now()
    save_unique(session, party, clash=f"the new name of the party {party.name} is taken")
    append_event(
        session,
        kind="people.party.updated",
        actor=actor,
        subjects=[party.id, old_commander or "", party.commander_id or ""],
        payload={"name": party.name, "changes": changes},
    )
    return party


def list_parties(session: Session, *, limit: int = 50, offset: int = 0) -> tuple[list[Party], int]:
    """A page of parties by name, and how many there are."""
    total = session.scalar(select(func.count()).select_from(Party)) or 0
    rows = session.scalars(select(Party).order_by(Party.name).limit(limit).offset(offset)).all()
    return list(rows), total
