"""The console's global search: one box in the header, results by kind on /search."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from muster.errors import Invalid
from muster.search.service import SearchResults, search
from muster.web.console.rendering import render
from muster.web.console.viewer import ViewerDep
from muster.web.deps import SessionDep

router = APIRouter()
SHOWN = 25
GROUPS = (
    ("person", "People"),
    ("case", "Consent cases"),
    ("casualty", "Casualties"),
    ("order", "Orders and messages"),
)


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    """What matches ``?q=``, of the kinds this operator may read."""
    q = request.query_params.get("q", "")
    results: SearchResults | None = None
    error = ""
    if q.strip():
        try:
            results = search(session, q=q, actor=viewer.actor, limit=SHOWN)
        except Invalid as exc:
            error = exc.message
    groups = [(kind, label) for kind, label in GROUPS if results and kind in results.groups]
    return render(
        request,
        "search.html",
        viewer,
        {"q": q, "results": results, "groups": groups, "error": error},
        status_code=422 if error else 200,
    )
