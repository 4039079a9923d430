"""Persons and parties over HTTP."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from muster.people import service
from muster.people.enums import Affiliation, PersonStatus
from muster.people.schemas import (
    PartyCreate,
    PartyRead,
    PartyUpdate,
    PersonCreate,
    PersonRead,
    PersonRemoval,
    PersonUpdate,
)
from muster.policy.authorize import authorize
from muster.schemas import Page
from muster.web.deps import CurrentActor, PageDep, SessionDep

router = APIRouter(prefix="/api/v1", tags=["people"])


@router.get("/persons")
def read_persons(
    session: SessionDep,
    actor: CurrentActor,
    page: PageDep,
    affiliation: Affiliation | None = None,
    party_id: Annotated[str | None, Query(max_length=36)] = None,
    person_status: Annotated[PersonStatus | None, Query(alias="status")] = None,
    role: Annotated[str | None, Query(max_length=40)] = None,
    q: Annotated[str | None, Query(max_length=200, description="Part of the name")] = None,
    include_archived: bool = False,
) -> Page[PersonRead]:
    """Persons by name, filtered by affiliation, party, status, role and name."""
    authorize(actor, "registry.read")
    flt = service.PersonFilter(
        affiliation=affiliation,
        party_id=party_id,
        status=person_status,
        role=role,
        q=q,
        include_archived=include_archived,
    )
    rows, total = service.list_persons(session, flt=flt, limit=page.limit, offset=page.offset)
    items = [PersonRead.model_validate(r) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("/persons", status_code=status.HTTP_201_CREATED)
def create_person(body: PersonCreate, session: SessionDep, actor: CurrentActor) -> PersonRead:
    """Register a person."""
    return PersonRead.model_validate(service.create_person(session, data=body, actor=actor))


@router.get("/persons/{person_id}")
def read_person(person_id: str, session: SessionDep, actor: CurrentActor) -> PersonRead:
    """One person."""
    authorize(actor, "registry.read")
    return PersonRead.model_validate(service.get_person(session, person_id))


@router.patch("/persons/{person_id}")
def update_person(
    person_id: str, body: PersonUpdate, session: SessionDep, actor: CurrentActor
) -> PersonRead:
    """Change the given fields of a person."""
    person = service.update_person(session, person_id=person_id, data=body, actor=actor)
    return PersonRead.model_validate(person)


@router.delete("/persons/{person_id}")
def delete_person(person_id: str, session: SessionDep, actor: CurrentActor) -> PersonRemoval:
    """Delete a person, or archive them when the record names them; the answer says which."""
    person, references = service.remove_person(session, person_id=person_id, actor=actor)
    if not references:
        return PersonRemoval(
            outcome="deleted",
            reason="the record never named this person",
            person=PersonRead.model_validate(person),
        )
    return PersonRemoval(
        outcome="archived",
        reason="kept for the record, which names them in: " + ", ".join(references),
        person=PersonRead.model_validate(person),
    )


@router.get("/parties")
def read_parties(session: SessionDep, actor: CurrentActor, page: PageDep) -> Page[PartyRead]:
    """Parties by name."""
    authorize(actor, "registry.read")
    rows, total = service.list_parties(session, limit=page.limit, offset=page.offset)
    items = [PartyRead.model_validate(r) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("/parties", status_code=status.HTTP_201_CREATED)
def create_party(body: PartyCreate, session: SessionDep, actor: CurrentActor) -> PartyRead:
    """Register a party."""
    return PartyRead.model_validate(service.create_party(session, data=body, actor=actor))


@router.get("/parties/{party_id}")
def read_party(party_id: str, session: SessionDep, actor: CurrentActor) -> PartyRead:
    """One party."""
    authorize(actor, "registry.read")
    return PartyRead.model_validate(service.get_party(session, party_id))


@router.patch("/parties/{party_id}")
def update_party(
    party_id: str, body: PartyUpdate, session: SessionDep, actor: CurrentActor
) -> PartyRead:
    """Change the given fields of a party, such as its commander."""
    party = service.update_party(session, party_id=party_id, data=body, actor=actor)
    return PartyRead.model_validate(party)
