"""Helpers of the console tests: operators signed in through the sign-in form."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import TypeVar

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from muster.auth import service as auth_service
from muster.db import Database
from muster.policy.actor import Actor

C = TypeVar("C", bound=httpx.Client)
PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_LOGIN_CSRF = re.compile(r'name="login_csrf" value="([^"]+)"')


def login_token(page_html: str) -> str:
    """The sign-in form's token from the sign-in page."""
    found = _LOGIN_CSRF.search(page_html)
    assert found, "the sign-in page has no form token"
    return found.group(1)


def csrf_of(page_html: str) -> str:
    """The session's CSRF token, as a console page's forms carry it."""
    found = _CSRF.search(page_html)
    assert found, "the page has no form carrying the CSRF token"
    return found.group(1)


def sign_in(client: C, username: str, password: str = PASSWORD) -> C:
    """Sign ``client`` (a test client, or an HTTP client of a served console) in through the
    sign-in form; fail the test if it does not work."""
    token = login_token(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": username, "password": password, "login_csrf": token, "next": "/"},
    )
    assert response.status_code == 303, response.text
    return client


@dataclass
class ConsoleKit:
    """What a console test needs: the app, and a way to make operators and browsers."""

    app: FastAPI
    db: Database
    clients: list[TestClient]

    def account(self, *roles: str, username: str | None = None) -> str:
        """Create an operator account with ``roles``; returns its username."""
        username = username or f"op-{uuid.uuid4().hex[:8]}"
        with self.db.session_scope() as session:
            auth_service.create_account(
                session,
                username=username,
                display_name=username.capitalize(),
                roles=list(roles),
                password=PASSWORD,
                actor=Actor.system("test"),
            )
        return username

    def browser(self) -> TestClient:
        """A client that keeps cookies and does not follow redirects."""
        client = TestClient(self.app, follow_redirects=False)
        self.clients.append(client)
        return client

    def signed_in(self, *roles: str) -> TestClient:
        """A client signed in as a new operator with ``roles``."""
        return sign_in(self.browser(), self.account(*roles))


def submit(client: TestClient, page_url: str, action: str, data: dict[str, object]) -> Response:
    """Post a form from ``page_url`` to ``action`` with the page's CSRF token."""
    token = csrf_of(client.get(page_url).text)
    return client.post(action, data={"csrf_token": token, **data})


def landing(client: TestClient, response: Response) -> str:
    """The page a form's redirect leads to (its notice shown once)."""
    assert response.status_code == 303, response.text[:2000]
    return client.get(response.headers["location"]).text
