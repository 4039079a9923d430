"""People: search and filter the registry; one person's state, record and allowed actions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse

from muster.errors import Invalid
from muster.events.service import EventFilter, last_seq, list_events
from muster.events.visibility import hidden_kinds
from muster.people.enums import Affiliation, PersonStatus
from muster.people.service import PersonFilter, get_party, get_person, list_parties, list_persons
from muster.schemas import number_in
from muster.web.console.events_page import describe
from muster.web.console.fragments import fill, fragment
from muster.web.console.person_actions import person_access
from muster.web.console.rendering import render
from muster.web.console.viewer import ViewerDep, require
from muster.web.deps import SessionDep

router = APIRouter()
PAGE = 50
PERSON_EVENTS = 50


def _enum(cls: type[Affiliation] | type[PersonStatus], value: str) -> Any:
    if not value:
        return None
    try:
        return cls(value)
    except ValueError as exc:
        raise Invalid(f"unknown {cls.__name__.lower()} {value!r}") from exc


def person_filter(params: Mapping[str, str]) -> PersonFilter:
    """The registry filter from the search form."""
    return PersonFilter(
        q=params.get("q", "").strip() or None,
        affiliation=_enum(Affiliation, params.get("affiliation", "")),
        status=_enum(PersonStatus, params.get("status", "")),
        party_id=params.get("party", "") or None,
        role=params.get("role", "").strip() or None,
    )


@router.get("/people", response_class=HTMLResponse)
def people(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    """The registry, searched and filtered."""
    require(viewer, "registry.read")
    params = request.query_params
    page = max(number_in(params.get("page", "")) or 1, 1)
    flt = person_filter(params)
    rows, total = list_persons(session, flt=flt, limit=PAGE, offset=(page - 1) * PAGE)
    parties, _ = list_parties(session, limit=200)
    party_names = {p.id: p.name for p in parties}
    return render(
        request,
        "people.html",
        viewer,
        {
            "rows": rows,
            "total": total,
            "page": page,
            "pages": max((total + PAGE - 1) // PAGE, 1),
            "params": params,
            "parties": parties,
            "party_names": party_names,
            "affiliations": list(Affiliation),
            "statuses": list(PersonStatus),
        },
    )


@fragment("person_record", action="event.read")
def person_record_part(session: Session, viewer: Any, params: Mapping[str, str]) -> dict[str, Any]:
    """The newest events about one person that the viewer may read."""
    person_id = params.get("person", "")
    newest = last_seq(session)
    flt = EventFilter(subject=person_id, hidden_kinds=hidden_kinds(viewer.actor))
    _rows, total = list_events(session, flt=flt, limit=1)
    rows, _ = list_events(
        session,
        flt=flt,
        limit=PERSON_EVENTS,
        offset=max(total - PERSON_EVENTS, 0),
    )
    return {
        "person_events": [(r, describe(r)) for r in reversed(rows)],
        "person_events_total": total,
        "record_seq": newest,
    }


PERSON_PARTS = ["person_record"]


@router.get("/people/{person_id}", response_class=HTMLResponse)
def person_page(
    person_id: str, request: Request, session: SessionDep, viewer: ViewerDep
) -> HTMLResponse:
    """One person: status, party, holds, place, decisions and passages, and allowed actions."""
    require(viewer, "registry.read")
    person = get_person(session, person_id)
    party = get_party(session, person.party_id) if person.party_id else None
    context = fill(session, viewer, PERSON_PARTS, {"person": person.id})
    context.update(person_access(session, viewer, person.id))
    context.update({"person": person, "party": party, "live_after": last_seq(session)})
    return render(request, "person.html", viewer, context)
