"""Group membership as rules, resolved to persons at the moment a message is sent.

A rule is stored on the channel and copied onto every message, with the persons it
resolved to, so the record shows who a group meant at that moment (a guard reassigned
later does not change who an earlier order reached). No rule reaches the visiting party:
station orders and roll calls are the station's own (P6), whatever role the registry
gives a visitor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import Field, TypeAdapter
from sqlalchemy import ColumnElement, Select, cast, func, literal, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from muster.errors import Invalid
from muster.incidents.models import Incident, RoleAssignment
from muster.people.enums import Affiliation, PersonStatus
from muster.people.enums import of_visiting_party as visiting
from muster.people.models import Person
from muster.places.models import Portal, Post, PostAssignment
from muster.schemas import StrictModel


class AllRule(StrictModel):
    """Everyone of the station who can be reached: crew and residents (never the visitors)."""

    kind: Literal["all"] = "all"


class RoleRule(StrictModel):
    """Every person holding a role (medic, officer, guard ...)."""

    kind: Literal["role"] = "role"
    role: str = Field(min_length=1, max_length=60)


class PostsRule(StrictModel):
    """The persons assigned to posts: every post, posts at airlocks, at one portal, or one post."""

    kind: Literal["posts"] = "posts"
    portal_kind: str | None = Field(None, description="e.g. 'airlock': posts at any airlock")
    portal_id: str | None = None
    post_id: str | None = None


class PersonRule(StrictModel):
    """One person (a direct channel)."""

    kind: Literal["person"] = "person"
    person_id: str


class IncidentRule(StrictModel):
    """An incident's talk group: its commander and whoever holds a command role in it now."""

    kind: Literal["incident"] = "incident"
    incident_id: str


class AnyOfRule(StrictModel):
    """The union of several rules."""

    kind: Literal["any"] = "any"
    rules: list[Rule] = Field(min_length=1, max_length=20)


Rule = Annotated[
    AllRule | RoleRule | PostsRule | PersonRule | IncidentRule | AnyOfRule,
    Field(discriminator="kind"),
]
AnyOfRule.model_rebuild()
_rule_adapter: TypeAdapter[Rule] = TypeAdapter(Rule)


def parse_rule(data: dict[str, Any]) -> Rule:
    """A rule from its stored or submitted form; Invalid with the reason if it is not one."""
    try:
        return _rule_adapter.validate_python(data)
    except ValueError as exc:
        raise Invalid(f"not a membership rule: {exc}") from exc


def rule_to_dict(rule: Rule) -> dict[str, Any]:
    """The stored form of a rule."""
    return rule.model_dump(exclude_none=True)


class Member(NamedTuple):
    """A person a rule resolved to, and the post through which, if any (a tuple: a flash
    order to the whole station makes thousands, and a frozen dataclass costs four times
    as much to build)."""

    person_id: str
    post_id: str | None = None


def _of_the_station() -> list[ColumnElement[bool]]:
    """Persons of the station, not of a visiting party (by affiliation or party)."""
    return [Person.affiliation != Affiliation.VISITOR, Person.party_id.is_(None)]


def _reachable() -> list[ColumnElement[bool]]:
    return [
        Person.archived_at.is_(None),
        Person.status != PersonStatus.DECEASED,
        *_of_the_station(),
    ]


def station_staff() -> list[ColumnElement[bool]]:
    """Conditions on ``Person`` for the station's own staff: crew, alive, not archived."""
    return [*_reachable(), Person.affiliation == Affiliation.CREW]


def of_the_station_now(session: Session, person_ids: Sequence[str]) -> set[str]:
    """Of ``person_ids``, those of the station now (not of a visiting party): whom a
    message may still reach, whatever they were when it was first sent (P6)."""
    if not person_ids:
        return set()
    query = select(Person.id).where(Person.id.in_(person_ids), *_of_the_station())
    return set(session.scalars(query))


def of_visiting_party(person: Person) -> bool:
    """True if ``person`` belongs to the visiting party (a visitor or a party member)."""
    return visiting(person.affiliation, person.party_id)


def has_role(session: Session, role: str) -> ColumnElement[bool]:
    """A condition on ``Person`` true when the person's roles contain ``role``."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(Person.roles, JSONB).contains([role])
    element = func.json_each(Person.roles).table_valued("value")
    return select(literal(1)).select_from(element).where(element.c.value == role).exists()


PersonsRule = AllRule | RoleRule | IncidentRule


def person_query(session: Session, rule: Rule) -> Select[str] | None:
    """The ids of the persons ``rule`` means now, as one query, for a rule that names
    persons without posts (everyone, a role, an incident's talk group); None for the
    others. A send writes its recipient rows straight from it (``INSERT ... SELECT``)."""
    return _persons(session, rule) if isinstance(rule, PersonsRule) else None


def _persons(session: Session, rule: PersonsRule) -> Select[str]:
    if isinstance(rule, AllRule):
        return select(Person.id).where(*_reachable())
    if isinstance(rule, RoleRule):
        return select(Person.id).where(*_reachable(), has_role(session, rule.role))
    holders = select(RoleAssignment.person_id).where(
        RoleAssignment.incident_id == rule.incident_id, RoleAssignment.ended_at.is_(None)
    )
    commander = select(Incident.commander_id).where(Incident.id == rule.incident_id)
    return select(Person.id).where(
        *_reachable(), Person.id.in_(holders.union(commander).scalar_subquery())
    )


def _resolve_one(session: Session, rule: Rule) -> list[Member]:
    if isinstance(rule, PersonRule):
        person = session.get(Person, rule.person_id)
        if person is None:
            raise Invalid(f"no person with id {rule.person_id!r} for a direct channel")
        if person.archived_at is not None or of_visiting_party(person):
            return []
        return [Member(person.id)]
    if isinstance(rule, PostsRule):
        posts = (
            select(PostAssignment.person_id, Post.id)
            .join(Post, Post.id == PostAssignment.post_id)
            .join(Person, Person.id == PostAssignment.person_id)
            .outerjoin(Portal, Portal.id == Post.portal_id)
            .where(*_reachable())
        )
        if rule.portal_kind:
            posts = posts.where(Portal.kind == rule.portal_kind)
        if rule.portal_id:
            posts = posts.where(Post.portal_id == rule.portal_id)
        if rule.post_id:
            posts = posts.where(Post.id == rule.post_id)
        rows = session.execute(posts.order_by(Post.name, Person.name)).all()
        return [Member(person_id, post_id) for person_id, post_id in rows]
    if isinstance(rule, AnyOfRule):
        members: list[Member] = []
        for sub in rule.rules:
            members.extend(_resolve_one(session, sub))
        return members
    query = _persons(session, rule).order_by(Person.name)
    return [Member(pid) for pid in session.scalars(query)]


def resolve_rule(session: Session, rule: Rule) -> list[Member]:
    """The persons ``rule`` means now, each once (the first post found names their post)."""
    seen: dict[str, Member] = {}
    for member in _resolve_one(session, rule):
        seen.setdefault(member.person_id, member)
    return list(seen.values())
