"""Vessel watch and the station map: the vessels watched, each with its predicted and
observed track, and the station map, both as the SVG the vessels API draws.

The images are the API's (``/api/v1/vessels/{id}/tracks.svg``, ``/api/v1/map/svg``),
fetched by the browser with the console's session cookie and authorized there; the map is
inlined and fetched again by the live stream when a portal's mode changes.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse

from muster.events.service import last_seq
from muster.vessels.mapsvg import render_map_svg
from muster.vessels.service import list_vessels
from muster.web.console.rendering import render
from muster.web.console.viewer import Viewer, ViewerDep, require
from muster.web.deps import SessionDep

router = APIRouter()
LISTED = 50


def station_map(session: Session, viewer: Viewer) -> dict[str, Any]:
    """The station map inlined for a page (the overview, a post, the vessels page), or
    nothing for an operator the policy does not show it to. The live stream redraws it
    (``fragments/station_map_card.html`` fetches the API's SVG again)."""
    return {"map_svg": render_map_svg(session) if viewer.can("map.read") else ""}


@router.get("/vessels", response_class=HTMLResponse)
def vessels_page(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    """The vessels watched with their tracks, and the station map."""
    require(viewer, "vessel.read")
    rows, total = list_vessels(session, limit=LISTED)
    context = {
        "vessels": rows,
        "total": total,
        **station_map(session, viewer),
        "live_after": last_seq(session),
    }
    return render(request, "vessels.html", viewer, context)
