"""The command deck's overview: who is aboard, the airlocks, holds, and the live feed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse

from muster.events.service import last_seq
from muster.people.enums import Affiliation
from muster.people.service import PersonFilter, list_parties, list_persons
from muster.web.console.fragments import fill, fragment
from muster.web.console.rendering import render
from muster.web.console.viewer import ViewerDep, require
from muster.web.deps import SessionDep

router = APIRouter()
OVERVIEW_PARTS = ["headcounts", "feed"]


@dataclass(frozen=True)
class PartyCount:
    """A party's people: how many are counted and how many the station expects."""

    id: str
    name: str
    counted: int
    expected: int


def _count(session: Session, flt: PersonFilter) -> int:
    _rows, total = list_persons(session, flt=flt, limit=1)
    return total


@fragment("headcounts", action="registry.read")
def headcounts_part(session: Session, _viewer: Any, _params: Mapping[str, str]) -> dict[str, Any]:
    """Persons by affiliation and by party (visitors counted against those expected)."""
    by_affiliation = {a.value: _count(session, PersonFilter(affiliation=a)) for a in Affiliation}
    parties, _total = list_parties(session, limit=200)
    party_counts = [
        PartyCount(p.id, p.name, _count(session, PersonFilter(party_id=p.id)), p.expected_aboard)
        for p in parties
    ]
    return {
        "headcounts": {
            "basis": "registered",
            "by_affiliation": by_affiliation,
            "total": sum(by_affiliation.values()),
            "parties": party_counts,
        }
    }


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    """The overview, every part live."""
    require(viewer, "registry.read")
    context = fill(session, viewer, OVERVIEW_PARTS, request.query_params)
    context["live_after"] = last_seq(session)
    return render(request, "overview.html", viewer, context)
