"""The posts on the console: the commander's board (a live part of the overview) and the
report form of an airlock post's page, with its "Help needed" button.

The overview and the post page include these parts with one line each; each part fetches
what it shows through a template global (a read session of its own, as the record footer
does), so the pages that include them need not know of posts. The form routes only
translate: ``file_report`` and ``request_help`` authorize (a guard only for her own post).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from muster import clock
from muster.errors import DomainError
from muster.places.models import Post
from muster.places.service import list_posts
from muster.posts.board import post_board
from muster.posts.enums import PostStatus
from muster.posts.help import request_help
from muster.posts.models import PostReport
from muster.posts.reading import age_words, latest_reports
from muster.posts.rules import HELP, READ, REPORT, post_resource
from muster.posts.schemas import ForceCreate, ReportCreate
from muster.posts.service import file_report
from muster.web.console.fragments import fragment
from muster.web.console.rendering import redirect, templates
from muster.web.console.viewer import FormViewerDep, Viewer
from muster.web.deps import SessionDep

router = APIRouter()
TAGS = {"red": "deny", "amber": "warn", "green": "permit", "grey": ""}
Count = Annotated[int, Form(ge=0, le=100_000)]


@fragment("post_board", action=READ)
def post_board_part(session: Session, _viewer: Any, _params: Mapping[str, str]) -> dict[str, Any]:
    """Every post: status in words and colour, age of the last report, help first."""
    return {"post_board": post_board(session, now=clock.now()), "post_board_tags": TAGS}


def board_for(request: Request, viewer: Viewer | None) -> dict[str, Any] | None:
    """The board's context for a page that includes it, or None if the viewer may not see it."""
    if viewer is None or not viewer.can(READ):
        return None
    with request.app.state.db.session_scope(write=False) as session:
        return post_board_part(session, viewer, {})


@dataclass(frozen=True)
class ReportablePost:
    """A post of this airlock the viewer may report for, and its last report."""

    post: Post
    last: PostReport | None
    age: str
    may_help: bool


def report_form_for(
    request: Request, viewer: Viewer | None, post_ids: str
) -> dict[str, Any] | None:
    """The report form's context for an airlock's posts, or None if she may report for none."""
    if viewer is None:
        return None
    wanted = {p for p in post_ids.split(",") if p}
    now = clock.now()
    with request.app.state.db.session_scope(write=False) as session:
        posts = [p for p in list_posts(session, limit=100)[0] if p.id in wanted]
        latest = latest_reports(session, [p.id for p in posts])
        allowed = []
        for post in posts:
            resource = post_resource(session, post)
            if not viewer.can(REPORT, resource):
                continue
            last = latest.get(post.id)
            age = age_words(int((now - last.reported_at).total_seconds())) if last else "never"
            allowed.append(ReportablePost(post, last, age, viewer.can(HELP, resource)))
        session.expunge_all()
    if not allowed:
        return None
    # A fresh key per page: a double tap or a resent form files the report once.
    return {"posts": allowed, "statuses": list(PostStatus), "report_key": uuid.uuid4().hex}


templates.env.globals["post_board_for"] = board_for
templates.env.globals["post_report_form_for"] = report_form_for


@router.post("/posts/{portal_ref}/situation", response_model=None)
def report_situation(
    portal_ref: str,
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    post_id: Annotated[str, Form(max_length=36)],
    status: Annotated[str, Form(max_length=30)],
    visitors: Count = 0,
    residents: Count = 0,
    armed: Count = 0,
    station_dead: Count = 0,
    station_wounded: Count = 0,
    visitors_dead: Count = 0,
    visitors_wounded: Count = 0,
    text: Annotated[str, Form(max_length=2000)] = "",
    force_by: Annotated[str, Form(max_length=200)] = "",
    against_count: Count = 0,
    weapon: Annotated[str, Form(max_length=100)] = "",
    means: Annotated[str, Form(max_length=200)] = "",
    outcome: Annotated[str, Form(max_length=2000)] = "",
    key: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Send the post's report from its page; back to the page with what happened."""
    back = f"/posts/{portal_ref}"
    try:
        force = []
        if outcome or force_by:
            force.append(
                ForceCreate(
                    used_by=force_by or viewer.actor.person_id or "",
                    against_count=against_count,
                    weapon=weapon or None,
                    means=means,
                    outcome=outcome,
                )
            )
        data = ReportCreate(
            status=PostStatus(status),
            visitors=visitors,
            residents=residents,
            armed=armed,
            station_dead=station_dead,
            station_wounded=station_wounded,
            visitors_dead=visitors_dead,
            visitors_wounded=visitors_wounded,
            text=text,
            force=force,
        )
        report, _force = file_report(
            session,
            post_ref=post_id,
            data=data,
            actor=viewer.actor,
            idempotency_key=f"console-{key}" if key else None,
        )
    except (DomainError, ValueError) as exc:
        session.rollback()
        return redirect(request, back, f"Refused: {_message(exc)}")
    return redirect(request, back, f"Report sent: {PostStatus(report.status).words}.")


@router.post("/posts/{portal_ref}/help", response_model=None)
def call_for_help(
    portal_ref: str,
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    post_id: Annotated[str, Form(max_length=36)],
    text: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Help needed: page the commander and the post's officers at flash."""
    back = f"/posts/{portal_ref}"
    try:
        request_help(session, post_ref=post_id, actor=viewer.actor, text=text)
    except DomainError as exc:
        session.rollback()
        return redirect(request, back, f"Refused: {exc.message}")
    return redirect(request, back, "Help called: the commander and the post's officers are paged.")


def _message(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        return exc.message
    errors = getattr(exc, "errors", None)
    if callable(errors):
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors())
    return str(exc)
