"""The actions and checks every scenario can use: the log, the registry and the record."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from muster.events.rows import verify_projection
from muster.events.service import EventFilter, append_event, list_events, verify_chain
from muster.people import service as people
from muster.people.enums import Affiliation, PersonStatus
from muster.people.schemas import PartyUpdate, PersonCreate, PersonUpdate
from muster.scenario.actions import ActionArgs, ActionContext, register_action
from muster.scenario.checks import (
    CheckArgs,
    CheckContext,
    CheckResult,
    CountBounds,
    register_check,
)

NOTE_RECORDED = "scenario.note.recorded"


class PersonSelection(ActionArgs):
    """One person, a list of persons, or a scenario group: exactly one of the three."""

    person: str | None = None
    persons: list[str] | None = None
    group: str | None = None

    @model_validator(mode="after")
    def _one_selection(self) -> Self:
        given = [f for f in ("person", "persons", "group") if getattr(self, f) is not None]
        if len(given) != 1:
            raise ValueError("name exactly one of person, persons or group")
        return self

    def names(self, ctx: ActionContext) -> list[str]:
        """The names selected."""
        if self.person is not None:
            return [self.person]
        if self.persons is not None:
            return list(self.persons)
        return ctx.group(self.group or "")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


# Actions


class NoteArgs(ActionArgs):
    """A line for the exercise log, optionally about some persons."""

    text: str = Field(min_length=1, max_length=4000)
    persons: list[str] = Field(default_factory=list)
    group: str | None = None


@register_action("log.note")
def record_note(ctx: ActionContext, args: NoteArgs) -> str:
    """Record an observation or a decision in the log, as an operator would."""
    names = args.persons + (ctx.group(args.group) if args.group else [])
    subjects = [people.find_person(ctx.session, name).id for name in names]
    append_event(
        ctx.session,
        kind=NOTE_RECORDED,
        actor=ctx.actor,
        subjects=subjects,
        payload={"text": args.text, "persons": names},
    )
    return args.text


class PersonCreateArgs(ActionArgs):
    """A person registered during the exercise (a late arrival, a newborn, a defector)."""

    name: str
    affiliation: Affiliation
    party: str | None = None
    roles: list[str] = Field(default_factory=list)
    status: PersonStatus = PersonStatus.ACTIVE
    notes: str = ""
    badge_id: str | None = None


@register_action("person.create")
def create_person(ctx: ActionContext, args: PersonCreateArgs) -> str:
    """Register a person through the registry."""
    party_id = people.find_party(ctx.session, args.party).id if args.party else None
    data = PersonCreate.model_validate({**args.model_dump(exclude={"party"}), "party_id": party_id})
    person = people.create_person(ctx.session, data=data, actor=ctx.actor)
    return f"{person.name} registered ({person.affiliation})"


class PersonUpdateArgs(PersonSelection):
    """Changes to one or more persons: only the fields given change; ``party: null`` clears."""

    status: PersonStatus | None = None
    notes: str | None = None
    roles: list[str] | None = None
    affiliation: Affiliation | None = None
    party: str | None = None

    @model_validator(mode="after")
    def _some_change(self) -> Self:
        if not self.model_fields_set & {"status", "notes", "roles", "affiliation", "party"}:
            raise ValueError("give at least one change: status, notes, roles, affiliation, party")
        return self


@register_action("person.update")
def update_persons(ctx: ActionContext, args: PersonUpdateArgs) -> str:
    """Change persons through the registry (status, notes, roles, party)."""
    changes = args.model_dump(
        include={"status", "notes", "roles", "affiliation"}, exclude_unset=True
    )
    if "party" in args.model_fields_set:
        changes["party_id"] = people.find_party(ctx.session, args.party).id if args.party else None
    data = PersonUpdate.model_validate(changes)
    names = args.names(ctx)
    for name in names:
        person = people.find_person(ctx.session, name)
        people.update_person(ctx.session, person_id=person.id, data=data, actor=ctx.actor)
    return f"{_count(len(names), 'person')} updated: {', '.join(sorted(changes))}"


class PartyUpdateArgs(ActionArgs):
    """Changes to a party: notes, expected number aboard, commander (a member, by name)."""

    party: str
    notes: str | None = None
    expected_aboard: int | None = Field(default=None, ge=0)
    commander: str | None = None


@register_action("party.update")
def update_party(ctx: ActionContext, args: PartyUpdateArgs) -> str:
    """Change a party through the registry."""
    party = people.find_party(ctx.session, args.party)
    changes = args.model_dump(include={"notes", "expected_aboard"}, exclude_unset=True)
    if "commander" in args.model_fields_set:
        changes["commander_id"] = (
            people.find_person(ctx.session, args.commander).id if args.commander else None
        )
    people.update_party(
        ctx.session, party_id=party.id, data=PartyUpdate.model_validate(changes), actor=ctx.actor
    )
    return f"{party.name} updated: {', '.join(sorted(changes)) or 'nothing'}"


class PostAssignArgs(PersonSelection):
    """Persons to assign to a guard post."""

    post: str


@register_action("post.assign")
def assign_to_post(ctx: ActionContext, args: PostAssignArgs) -> str:
    """Assign persons to a post through the places registry."""
    from muster.places import service as places

    post = places.find_post(ctx.session, args.post)
    names = args.names(ctx)
    for name in names:
        person = people.find_person(ctx.session, name)
        places.assign_to_post(ctx.session, post_id=post.id, person_id=person.id, actor=ctx.actor)
    return f"{_count(len(names), 'person')} assigned to {post.name}"


# Checks


class PersonCountArgs(CountBounds):
    """How many persons match: by affiliation, status, party, role and/or scenario group."""

    affiliation: Affiliation | None = None
    status: PersonStatus | None = None
    party: str | None = None
    role: str | None = None
    group: str | None = None


@register_check("person.count")
def count_persons(ctx: CheckContext, args: PersonCountArgs) -> CheckResult:
    """Count registered persons through the registry's own filter."""
    party_id = people.find_party(ctx.session, args.party).id if args.party else None
    flt = people.PersonFilter(
        affiliation=args.affiliation, status=args.status, party_id=party_id, role=args.role
    )
    if args.group is None:
        _rows, total = people.list_persons(ctx.session, flt=flt, limit=1)
    else:
        members = set(ctx.groups.get(args.group, []))
        rows, _total = people.list_persons(ctx.session, flt=flt, limit=1_000_000)
        total = sum(1 for row in rows if row.name in members)
    return args.judge(total, _describe(args))


def _describe(args: PersonCountArgs) -> str:
    """ "persons" as narrowed by a count's filters, e.g. "deceased resident persons in X"."""
    words = [str(v) for v in (args.status, args.affiliation) if v] + ["persons"]
    words += [f"of {args.party}"] if args.party else []
    words += [f"with role {args.role}"] if args.role else []
    words += [f"in group {args.group}"] if args.group else []
    return " ".join(words)


class PersonStatusArgs(CheckArgs):
    """One person's status."""

    person: str
    status: PersonStatus


@register_check("person.status")
def person_status(ctx: CheckContext, args: PersonStatusArgs) -> CheckResult:
    """Whether a person has the status given."""
    person = people.find_person(ctx.session, args.person)
    return CheckResult(
        person.status == args.status,
        f"{person.name} is {person.status}; expected {args.status}",
    )


class EventCountArgs(CountBounds):
    """How many events of a kind are in the record (a kind ending in '.' is a prefix)."""

    kind: str = Field(min_length=1)


@register_check("event.count")
def count_events(ctx: CheckContext, args: EventCountArgs) -> CheckResult:
    """Count events of a kind in the log."""
    _rows, total = list_events(ctx.session, flt=EventFilter(kind=args.kind), limit=1)
    return args.judge(total, f"{args.kind} events")


class NoArgs(CheckArgs):
    """A check without arguments."""


@register_check("audit.verifies")
def audit_verifies(ctx: CheckContext, args: NoArgs) -> CheckResult:
    """Whether the whole hash chain verifies and the tables match the record of rows."""
    report = verify_chain(ctx.session)
    if not report.ok:
        return CheckResult(False, f"chain broken at event {report.first_bad_seq}: {report.problem}")
    tables = verify_projection(ctx.session)
    if not tables.ok:
        return CheckResult(False, f"the tables differ from the record: {tables.problem}")
    return CheckResult(True, f"{report.checked} events and {tables.rows} rows verified")
