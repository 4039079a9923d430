"""Who is looking at a console page: the signed-in operator, their CSRF token, their rights.

Console pages authenticate with the session cookie only (never a bearer token) and send an
unauthenticated browser to the sign-in page. Every form POST carries the session's CSRF
token in a hidden ``csrf_token`` field, compared here in constant time.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from starlette.responses import Response

from muster.auth.service import web_session_actor
from muster.errors import Forbidden
from muster.policy.actor import Actor
from muster.policy.authorize import STATION, Resource, authorize, is_allowed
from muster.web.deps import SESSION_COOKIE, SessionDep

CSRF_FIELD = "csrf_token"
NOTICE_COOKIE = "muster_notice"
NOTICE_MAX = 300


@dataclass
class Viewer:
    """The signed-in operator of one console request."""

    actor: Actor
    csrf: str
    _cache: dict[tuple[str, str, str], bool] = field(default_factory=dict)

    def can(self, action: str, resource: Resource = STATION) -> bool:
        """True if the active policy lets this operator do ``action`` (cached per request)."""
        key = (action, resource.type, resource.id)
        if key not in self._cache:
            self._cache[key] = is_allowed(self.actor, action, resource)
        return self._cache[key]


def _login_redirect(request: Request) -> HTTPException:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    location = "/login" if target == "/" else f"/login?next={quote(target, safe='')}"
    return HTTPException(status_code=303, detail="sign in first", headers={"Location": location})


def get_viewer(request: Request, session: SessionDep) -> Viewer:
    """The signed-in operator; a browser without a live session is sent to sign in."""
    cookie = request.cookies.get(SESSION_COOKIE)
    found = web_session_actor(session, cookie) if cookie else None
    if found is None:
        raise _login_redirect(request)
    actor, csrf = found
    return Viewer(actor=actor, csrf=csrf)


ViewerDep = Annotated[Viewer, Depends(get_viewer)]


async def get_form_viewer(request: Request, viewer: ViewerDep) -> Viewer:
    """The signed-in operator of a form POST whose CSRF token matches their session."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), viewer.csrf.encode()):
        raise Forbidden("the form's security token is missing or stale; reload the page and retry")
    return viewer


FormViewerDep = Annotated[Viewer, Depends(get_form_viewer)]


def require(viewer: Viewer, action: str, resource: Resource = STATION) -> None:
    """Refuse the request unless the operator may do ``action`` (same rule as the API)."""
    authorize(viewer.actor, action, resource)


def is_https(request: Request) -> bool:
    """True when the browser reached us over HTTPS (cookies are then marked Secure)."""
    return request.url.scheme == "https"


def set_notice(request: Request, response: Response, text: str) -> None:
    """Leave a one-line message for the next page this browser shows."""
    response.set_cookie(
        NOTICE_COOKIE,
        quote(text[:NOTICE_MAX]),
        httponly=True,
        samesite="strict",
        secure=is_https(request),
        path="/",
    )
