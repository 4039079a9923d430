"""Signing in and out of the console.

The sign-in form is protected by a double-submit token (a random value in a cookie and in
the form) until a session exists; after that every form carries the session's own token.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from muster.auth.service import close_web_session, open_web_session, sign_in
from muster.web.console.rendering import redirect, render
from muster.web.console.viewer import FormViewerDep, is_https
from muster.web.deps import SESSION_COOKIE, SessionDep

router = APIRouter()
LOGIN_CSRF_COOKIE = "muster_login_csrf"
WRONG_PASSWORD = "Wrong username or password. Check both and try again."


def _safe_next(target: str | None) -> str:
    """Only a path on this site, so a crafted link cannot send the operator elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _login_page(
    request: Request, *, error: str = "", username: str = "", next_url: str = "/", status: int
) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        None,
        {"error": error, "username": username, "next_url": next_url, "login_csrf": token},
        status_code=status,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=is_https(request),
        path="/login",
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    """The sign-in page."""
    return _login_page(request, next_url=_safe_next(next), status=200)


@router.post("/login", response_model=None)
def login_submit(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=80)] = "",
    password: Annotated[str, Form(max_length=500)] = "",
    login_csrf: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """Check the password; open a session and go on, or say what went wrong."""
    next_url = _safe_next(next)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), login_csrf.encode()):
        return _login_page(
            request,
            error="The sign-in form expired. Enter your details again.",
            username=username,
            next_url=next_url,
            status=403,
        )
    outcome = sign_in(session, username=username.strip(), password=password)
    if outcome.account is None:
        if outcome.retry_after_seconds:
            wait = outcome.retry_after_seconds
            page = _login_page(
                request,
                error=f"Too many failed sign-ins for this account. Try again in {wait} s.",
                username=username,
                next_url=next_url,
                status=429,
            )
            page.headers["Retry-After"] = str(wait)
            return page
        return _login_page(
            request, error=WRONG_PASSWORD, username=username, next_url=next_url, status=401
        )
    hours = request.app.state.settings.session_hours
    raw, _csrf = open_web_session(session, account=outcome.account, hours=hours)
    response = RedirectResponse(next_url, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        raw,
        max_age=int(hours * 3600),
        httponly=True,
        samesite="strict",
        secure=is_https(request),
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout", response_model=None)
def logout(request: Request, session: SessionDep, viewer: FormViewerDep) -> Response:
    """End the session: the cookie stops working at once, here and on every node."""
    cookie = request.cookies.get(SESSION_COOKIE, "")
    close_web_session(session, cookie)
    response = redirect(request, "/login", f"{viewer.actor.label} signed out.")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
