"""Templates, the navigation each role sees, and rendering a page or a fragment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse, RedirectResponse

from muster.events.checkpoints import latest_checkpoint
from muster.events.signing import SignedCheckpoint
from muster.web.console.viewer import CSRF_FIELD, NOTICE_COOKIE, Viewer, set_notice

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=str(HERE / "templates"))


@dataclass(frozen=True)
class NavItem:
    """One entry of the console's navigation, shown when the operator may use it."""

    label: str
    href: str
    action: str


NAV = (
    NavItem("Overview", "/", "registry.read"),
    NavItem("Airlocks", "/posts", "registry.read"),
    NavItem("People", "/people", "registry.read"),
    NavItem("Roll call", "/rollcall", "presence.read"),
    NavItem("Incidents", "/incidents", "incident.read"),
    NavItem("Comms", "/comms", "comms.read"),
    NavItem("Medical", "/medical", "medical.counts"),
    NavItem("Welfare", "/welfare", "welfare.board"),
    NavItem("Agreements", "/agreements", "agreement.read"),
    NavItem("Logistics", "/logistics", "logistics.read"),
    NavItem("Vessels", "/vessels", "vessel.read"),
    NavItem("Policies", "/policies", "policy.read"),
    NavItem("Event log", "/events", "event.read"),
)


# A guard at a post uses her post, the airlocks, roll calls and orders; nothing else.
POST_ONLY_ROLES = frozenset({"guard"})
POST_PAGES = ("/", "/posts", "/rollcall", "/comms")


def works_at_a_post(viewer: Viewer) -> bool:
    """True for an operator whose only role is a post's (a guard): her post is her console."""
    return bool(viewer.actor.roles) and viewer.actor.roles <= POST_ONLY_ROLES


def nav_for(viewer: Viewer | None) -> list[NavItem]:
    """The pages this operator may open and uses; a guard's "Overview" is her own post."""
    if viewer is None:
        return []
    items = [item for item in NAV if viewer.can(item.action)]
    if not works_at_a_post(viewer):
        return items
    own = [NavItem("My post", "/", "registry.read")] if items and items[0].href == "/" else []
    return own + [item for item in items if item.href in POST_PAGES and item.href != "/"]


def nav_current(items: list[NavItem], path: str) -> str:
    """The navigation entry of the page at ``path`` (a guard's post pages: "My post")."""
    if items and items[0].label == "My post" and path.startswith("/posts/"):
        return "/"
    found = [i.href for i in items if path == i.href or (i.href != "/" and path.startswith(i.href))]
    return max(found, key=len, default="")


def clock_time(moment: datetime | str | None) -> str:
    """A time as the posts read it: HH:MM:SS UTC."""
    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.strftime("%H:%M:%S")


def full_time(moment: datetime | str | None) -> str:
    """A date and time: YYYY-MM-DD HH:MM:SS UTC."""
    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def enum_text(value: Any) -> str:
    """An enum member (or any value) as the words an operator reads."""
    raw = getattr(value, "value", value)
    return str(raw).replace("_", " ")


def page_query(params: Any, page: int) -> str:
    """A query string: the same filters, another page."""
    values = {k: v for k, v in dict(params).items() if v and k != "page"}
    values["page"] = str(page)
    return urlencode(values)


def is_refusal(notice: str) -> bool:
    """True when a notice says something was refused (shown as a refusal, not a success)."""
    return notice.startswith(("Refused", "Passage refused"))


templates.env.filters["clock"] = clock_time
templates.env.tests["refusal"] = is_refusal
templates.env.filters["urlencode_page"] = page_query
templates.env.filters["fulltime"] = full_time
templates.env.filters["words"] = enum_text


def render(
    request: Request,
    template: str,
    viewer: Viewer | None,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """A full page or a fragment, with the operator, their navigation and any notice."""
    notice = request.cookies.get(NOTICE_COOKIE)
    nav = nav_for(viewer)
    values: dict[str, Any] = {
        "viewer": viewer,
        "nav": nav,
        "nav_current": nav_current(nav, request.url.path),
        "csrf_field": CSRF_FIELD,
        "notice": unquote(notice) if notice else "",
        "path": request.url.path,
    }
    if viewer is not None and viewer.can("event.read"):
        values["record_checkpoint"] = _latest_checkpoint(request)
    values.update(context or {})
    response = templates.TemplateResponse(request, template, values, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    if notice:
        response.delete_cookie(NOTICE_COOKIE, path="/")
    return response


def _latest_checkpoint(request: Request) -> SignedCheckpoint | None:
    """The newest signed checkpoint, for the footer: a copy of the record's head on screen."""
    with request.app.state.db.session_scope(write=False) as session:
        return latest_checkpoint(session)


def redirect(request: Request, location: str, notice: str = "") -> RedirectResponse:
    """After a form: go to ``location`` (a path on this site) and show ``notice`` there."""
    if not location.startswith("/") or location.startswith("//"):
        location = "/"
    response = RedirectResponse(location, status_code=303)
    if notice:
        set_notice(request, response, notice)
    return response
