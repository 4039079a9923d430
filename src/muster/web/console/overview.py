"""The command deck's overview, laid out for the crisis: alarms and orders not acknowledged
first, then the airlocks, holds and casualties, then who is aboard and the live feed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from muster.access.hold_views import read_holds
from muster.access.presence import head_counts
from muster.access.presence_history import head_count_history
from muster.events.service import last_seq
from muster.people.enums import Affiliation
from muster.people.service import get_person, list_parties
from muster.places.service import posts_of_person
from muster.web.console import overview_alarms  # noqa: F401  (its live part)
from muster.web.console.fragments import fill, fragment
from muster.web.console.overview_panels import OVERVIEW_DOMAIN_PARTS
from muster.web.console.rendering import render, works_at_a_post
from muster.web.console.vessel_pages import station_map
from muster.web.console.viewer import ViewerDep, require
from muster.web.deps import SessionDep

router = APIRouter()


OVERVIEW_PARTS = ["alarms", "headcounts", "airlocks", "holds", "feed", *OVERVIEW_DOMAIN_PARTS]
HOLDS_SHOWN = 100


@dataclass(frozen=True)
class PartyCount:
    """A party's people: aboard, expected aboard, and gone to their vessel."""

    id: str
    name: str
    aboard: int
    expected: int
    departed: int


@fragment("headcounts", action="presence.read")
def headcounts_part(session: Session, _viewer: Any, _params: Mapping[str, str]) -> dict[str, Any]:
    """Persons aboard by affiliation and by party (visitors aboard against expected)."""
    counts = head_counts(session)
    by_affiliation = {a.value: counts.by_affiliation.get(a.value, 0) for a in Affiliation}
    parties, _total = list_parties(session, limit=200)
    party_counts = [
        PartyCount(
            p.id,
            p.name,
            counts.by_party.get(p.id, 0),
            p.expected_aboard,
            counts.departed_by_party.get(p.id, 0),
        )
        for p in parties
    ]
    return {
        "headcounts": {
            "by_affiliation": by_affiliation,
            "total": counts.aboard,
            "unknown": counts.unknown,
            "parties": party_counts,
        },
        "headcount_series": head_count_history(session),
    }


@fragment("holds", action="hold.read")
def holds_part(session: Session, viewer: Any, _params: Mapping[str, str]) -> dict[str, Any]:
    """People under an open hold, newest first (a medical hold's reason for medics only)."""
    holds, total = read_holds(session, actor=viewer.actor, limit=HOLDS_SHOWN)
    return {
        "holds": [(h, get_person(session, h.person_id)) for h in holds],
        "holds_total": total,
    }


@router.get("/", response_model=None)
def overview(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """The overview, every part live."""
    require(viewer, "registry.read")
    if works_at_a_post(viewer) and viewer.actor.person_id:
        posts = [p for p in posts_of_person(session, viewer.actor.person_id) if p.portal_id]
        if posts:  # a guard lands on her own post, not the commander's overview
            return RedirectResponse(f"/posts/{posts[0].portal_id}", status_code=303)
    context = fill(session, viewer, OVERVIEW_PARTS, request.query_params)
    context.update(station_map(session, viewer))
    context["live_after"] = last_seq(session)
    return render(request, "overview.html", viewer, context)
