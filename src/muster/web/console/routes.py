"""The console's router: every page module's routes and its static files.

``muster.web.app`` includes ``router`` from here. Static files are served by a route of our
own (an ``APIRouter`` cannot carry a mount into the app), only from ``static/``.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter
from starlette.responses import FileResponse

from muster.errors import NotFound
from muster.web.console import (
    agreement_pages,
    auth_pages,
    comms_pages,
    events_page,
    fragments,
    hospital_pages,
    incident_pages,
    logistics_pages,
    medical_pages,
    overview,
    people_pages,
    person_actions,
    policies,
    posts,
    rollcall,
    search_page,
    sitrep_pages,
    stream,
    vessel_pages,
    welfare_pages,
)
from muster.web.console.rendering import STATIC_DIR

router = APIRouter(include_in_schema=False)
_STATIC_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*\.(css|js|svg|png|ico)$")
_MEDIA = {
    "css": "text/css",
    "js": "text/javascript",
    "svg": "image/svg+xml",
    "png": "image/png",
    "ico": "image/x-icon",
}


@router.get("/static/console/{name}")
def static_file(name: str) -> FileResponse:
    """A file of the console's own (no CDN: a station has no internet)."""
    return _serve(STATIC_DIR, name)


@router.get("/static/console/vendor/{name}")
def vendored_file(name: str) -> FileResponse:
    """A library from the npm registry, vendored with its licence (static/vendor/)."""
    return _serve(STATIC_DIR / "vendor", name)


def _serve(folder: Path, name: str) -> FileResponse:
    match = _STATIC_NAME.match(name)
    path = folder / name
    if match is None or not path.is_file():
        raise NotFound(f"no console file named {name!r}")
    return FileResponse(
        path, media_type=_MEDIA[match.group(1)], headers={"Cache-Control": "no-cache"}
    )


for module in (
    auth_pages,
    stream,
    fragments,
    overview,
    posts,
    people_pages,
    person_actions,
    rollcall,
    policies,
    events_page,
    incident_pages,
    sitrep_pages,
    medical_pages,
    hospital_pages,
    welfare_pages,
    agreement_pages,
    logistics_pages,
    comms_pages,
    vessel_pages,
    search_page,
):
    router.include_router(module.router)
