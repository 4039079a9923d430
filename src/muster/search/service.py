"""One search over the record's main things, showing each actor only what it may read.

Each kind is searched only when the actor may read it, with the action its own domain's
API authorizes (``registry.read`` for persons, ``welfare.read`` for consent cases,
``medical.clinical`` for casualties, ``comms.read`` for orders, within a handset token's
channels). A kind the actor may not read is left out without a word: a search must not
tell a guard that a welfare case exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from muster.comms.models import Message
from muster.comms.rules import channel_scope
from muster.errors import Invalid
from muster.medical.models import Casualty
from muster.people.models import Person
from muster.policy.actor import Actor
from muster.policy.authorize import is_allowed
from muster.welfare.models import ConsentCase

MAX_QUERY = 200
# "7", "#7", "case 7", "C-7", "c7": a number someone reads out or writes on a tag.
_NUMBER = re.compile(r"^(?:#|case\s*|c-?\s*)?(\d{1,9})$", re.I)


@dataclass(frozen=True)
class Hit:
    """One thing found: its kind, id, what to call it, why it matched, where to open it."""

    kind: str
    id: str
    title: str
    detail: str
    href: str


@dataclass
class SearchResults:
    """What a search found, by kind; only the kinds the actor may read are present."""

    query: str
    groups: dict[str, list[Hit]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """How many things were found in all."""
        return sum(len(hits) for hits in self.groups.values())


def _like(column: InstrumentedAttribute[str], text: str) -> ColumnElement[bool]:
    return func.lower(column).contains(text.lower(), autoescape=True)


def _number(text: str) -> int | None:
    found = _NUMBER.match(text)
    return int(found.group(1)) if found else None


def _persons(session: Session, text: str, limit: int) -> list[Hit]:
    query = (
        select(Person)
        .where(
            or_(
                _like(Person.name, text),
                func.lower(Person.badge_id).startswith(text.lower(), autoescape=True),
            )
        )
        .order_by(Person.name)
        .limit(limit)
    )
    hits = []
    for p in session.scalars(query):
        by_badge = (p.badge_id or "").lower().startswith(text.lower())
        detail = f"badge {p.badge_id}" if p.badge_id else "no badge"
        detail += f", {p.affiliation.value.replace('_', ' ')}, {p.status.value.replace('_', ' ')}"
        hits.append(
            Hit(
                "person",
                p.id,
                p.name,
                ("badge match: " if by_badge else "") + detail,
                f"/people/{p.id}",
            )
        )
    return hits


def _named_persons(text: str) -> Select[Any]:
    return select(Person.id).where(_like(Person.name, text))


def _cases(session: Session, text: str, limit: int) -> list[Hit]:
    number = _number(text)
    match: ColumnElement[bool] = ConsentCase.person_id.in_(_named_persons(text))
    if number is not None:
        match = or_(match, ConsentCase.number == number)
    query = (
        select(ConsentCase, Person.name)
        .join(Person, Person.id == ConsentCase.person_id)
        .where(match)
        .order_by(ConsentCase.number.desc())
        .limit(limit)
    )
    return [
        Hit(
            "case",
            c.id,
            f"Consent case {c.number}: {name}",
            f"{c.status.value.replace('_', ' ')}",
            f"/welfare/cases/{c.id}",
        )
        for c, name in session.execute(query)
    ]


def _casualties(session: Session, text: str, limit: int) -> list[Hit]:
    number = _number(text)
    match: ColumnElement[bool] = or_(
        Casualty.person_id.in_(_named_persons(text)),
        _like(Casualty.description, text),
    )
    if number is not None:
        match = or_(match, Casualty.number == number)
    query = (
        select(Casualty, Person.name)
        .outerjoin(Person, Person.id == Casualty.person_id)
        .where(Casualty.merged_into_id.is_(None), match)
        .order_by(Casualty.number)
        .limit(limit)
    )
    return [
        Hit(
            "casualty",
            c.id,
            f"Casualty C-{c.number}: {name or 'unidentified'}",
            f"{c.triage.value.upper()}, {c.side.value.replace('_', ' ')}"
            + (f", {c.description}" if c.description and not name else ""),
            f"/people/{c.person_id}" if c.person_id else "/medical",
        )
        for c, name in session.execute(query)
    ]


def _orders(session: Session, actor: Actor, text: str, limit: int) -> list[Hit]:
    query = select(Message).where(_like(Message.text, text))
    scope = channel_scope(actor)
    if scope is not None:
        query = query.where(Message.channel_id.in_(list(scope)))
    query = query.order_by(Message.sent_at.desc(), Message.id).limit(limit)
    return [
        Hit(
            "order",
            m.id,
            m.text if len(m.text) <= 120 else m.text[:117] + "...",
            f"{m.precedence.value.upper()} from {m.sender_name}, {m.sent_at:%Y-%m-%d %H:%M} UTC",
            f"/comms/messages/{m.id}",
        )
        for m in session.scalars(query)
    ]


def search(session: Session, *, q: str, actor: Actor, limit: int = 10) -> SearchResults:
    """Persons (a name containing ``q``, a badge starting with it), consent cases and
    casualties (by number or their person's name), orders (by their words), of the kinds
    the actor may read; at most ``limit`` of each kind."""
    text = q.strip()
    if not text:
        raise Invalid("say what to search for: a name, a badge, a case or tag number, words")
    if len(text) > MAX_QUERY:
        raise Invalid(f"a search is at most {MAX_QUERY} characters")
    results = SearchResults(query=text)
    if is_allowed(actor, "registry.read"):
        results.groups["person"] = _persons(session, text, limit)
    if is_allowed(actor, "welfare.read"):
        results.groups["case"] = _cases(session, text, limit)
    if is_allowed(actor, "medical.clinical"):
        results.groups["casualty"] = _casualties(session, text, limit)
    if is_allowed(actor, "comms.read"):
        results.groups["order"] = _orders(session, actor, text, limit)
    return results
