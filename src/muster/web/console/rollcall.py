"""Roll call: everyone's last known place, who is unaccounted for, marked by a post."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, Response

from muster.access.rollcall import (
    LastPlace,
    current_rollcall,
    last_places,
    mark_accounted,
    rollcall_report,
    start_rollcall,
)
from muster.errors import DomainError, Forbidden
from muster.events.service import last_seq
from muster.places.service import list_posts
from muster.web.console.fragments import fill, fragment
from muster.web.console.rendering import redirect, render
from muster.web.console.viewer import FormViewerDep, ViewerDep, require
from muster.web.deps import SessionDep

router = APIRouter()
SHOWN = 500


def unaccounted_matching(session: Session, words: str) -> tuple[list[LastPlace], int]:
    """The first ``SHOWN`` persons not yet accounted for whose name, affiliation or last
    known place contains ``words``, by name, and how many match in all."""
    needle = words.casefold()
    found = sorted(
        (
            p
            for p in last_places(session)
            if p.marked_at_post_id is None
            and needle in f"{p.name}\n{p.affiliation}\n{p.zone_name or 'unknown'}".casefold()
        ),
        key=lambda p: (p.name, p.person_id),
    )
    return found[:SHOWN], len(found)


@fragment("rollcall", action="presence.read")
def rollcall_part(session: Session, viewer: Any, params: Mapping[str, str]) -> dict[str, Any]:
    """The open roll call: counts and the persons not yet accounted for (those matching
    ``q`` when it is given)."""
    posts, _ = list_posts(session, limit=100)
    words = params.get("q", "").strip()[:200]
    report = rollcall_report(session, limit=0 if words else SHOWN)
    shown, matching = (
        unaccounted_matching(session, words) if words else (report.unaccounted_persons, None)
    )
    return {
        "rollcall": current_rollcall(session),
        "report": report,
        "shown": shown,
        "words": words,
        "matching": matching,
        "posts": posts,
        "chosen_post": params.get("post", ""),
        "may_mark": viewer.can("rollcall.mark"),
    }


@router.get("/rollcall", response_class=HTMLResponse)
def rollcall_page(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    """The roll call page, live."""
    require(viewer, "presence.read")
    context = fill(session, viewer, ["rollcall"], request.query_params)
    context["may_start"] = viewer.can("rollcall.manage")
    context["live_after"] = last_seq(session)
    return render(request, "rollcall.html", viewer, context)


@router.post("/rollcall/start", response_model=None)
def start(
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Open a new roll call (an open one is closed first)."""
    try:
        start_rollcall(session, reason=reason, actor=viewer.actor)
    except Forbidden:
        raise  # refused by the use case: 403, as the API answers
    except DomainError as exc:
        session.rollback()
        return redirect(request, "/rollcall", f"Refused: {exc.message}")
    return redirect(request, "/rollcall", "Roll call started.")


@router.post("/rollcall/mark", response_model=None)
def mark(
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    person_id: Annotated[str, Form(max_length=200)],
    post_id: Annotated[str, Form(max_length=200)],
    q: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """A post has seen the person: mark them accounted for (back to the same filter)."""
    back = f"/rollcall?{urlencode({'post': post_id, 'q': q} if q else {'post': post_id})}"
    try:
        row = mark_accounted(session, person_ref=person_id, post_id=post_id, actor=viewer.actor)
    except Forbidden:
        raise  # refused by the use case: 403, as the API answers
    except DomainError as exc:
        session.rollback()
        return redirect(request, back, f"Refused: {exc.message}")
    return redirect(request, back, f"Accounted for at {row.marked_at:%H:%M:%S}.")
