"""Tests for the web layer: problem+json errors, body limits, health, sign-in on every route."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from muster.auth.models import Account
from muster.config import Settings
from muster.db import Database
from muster.migrate import upgrade
from muster.web.app import create_app

PUBLIC = {"/healthz", "/readyz", "/openapi.json"}
VALID = {"username": "nadia", "display_name": "Nadia", "password": "long enough pass"}


def _accounts(db: Database) -> int:
    with db.session_scope(write=False) as s:
        return s.scalar(select(func.count()).select_from(Account)) or 0


class TestProblems:
    """Bad requests get problem+json and change nothing."""

    def test_invalid_json_is_400(self, db: Database, client: TestClient) -> None:
        """A body that is not JSON is a 400 problem."""
        before = _accounts(db)
        r = client.post(
            "/api/v1/accounts", content=b"{not json", headers={"content-type": "application/json"}
        )
        assert r.status_code == 400
        assert r.headers["content-type"].startswith("application/problem+json")
        assert _accounts(db) == before

    def test_unknown_field_and_wrong_type_are_422_naming_fields(
        self, db: Database, client: TestClient
    ) -> None:
        """Unknown fields and wrong types are refused, naming each field."""
        before = _accounts(db)
        r = client.post("/api/v1/accounts", json={**VALID, "colour": "red", "roles": 5})
        assert r.status_code == 422
        fields = {e["field"] for e in r.json()["errors"]}
        assert {"body.colour", "body.roles"} <= fields
        assert _accounts(db) == before

    def test_declared_oversized_body_is_413(self, db: Database, client: TestClient) -> None:
        """A Content-Length over the limit is refused before reading."""
        before = _accounts(db)
        r = client.post("/api/v1/accounts", json={**VALID, "display_name": "x" * 2_000_000})
        assert r.status_code == 413
        assert r.json()["status"] == 413
        assert _accounts(db) == before

    def test_chunked_oversized_body_is_413(self, db: Database, client: TestClient) -> None:
        """A body without Content-Length is counted as it arrives and refused past the limit."""
        before = _accounts(db)

        def chunks() -> Iterator[bytes]:
            yield b'{"username": "nadia", "display_name": "'
            for _ in range(20):
                yield b"x" * 100_000
            yield b'", "password": "long enough pass"}'

        r = client.post(
            "/api/v1/accounts", content=chunks(), headers={"content-type": "application/json"}
        )
        assert r.status_code == 413
        assert _accounts(db) == before

    def test_small_chunked_body_passes(self, db: Database, client: TestClient) -> None:
        """A chunked body under the limit is accepted."""

        def chunks() -> Iterator[bytes]:
            yield b'{"username": "nadia", "display_name": "Nadia", '
            yield b'"password": "long enough pass"}'

        r = client.post(
            "/api/v1/accounts", content=chunks(), headers={"content-type": "application/json"}
        )
        assert r.status_code == 201, r.text


class TestHealth:
    """/healthz answers while up; /readyz checks the database and its migrations."""

    def test_healthz_and_openapi_are_public(self, db: Database, settings: Settings) -> None:
        """Both answer 200 without credentials."""
        with TestClient(create_app(settings, db)) as http:
            assert http.get("/healthz").json() == {"status": "ok"}
            assert "/api/v1/events" in http.get("/openapi.json").json()["paths"]

    def test_readyz_reports_pending_migrations(self, db: Database, settings: Settings) -> None:
        """A database without migration stamp is not ready, with the reason."""
        with TestClient(create_app(settings, db)) as http:
            r = http.get("/readyz")
        assert r.status_code == 503
        assert "muster db upgrade" in r.json()["reason"]

    def test_readyz_ready_when_migrated(self, tmp_path: object, settings: Settings) -> None:
        """A migrated database is ready."""
        db = Database(f"sqlite:///{tmp_path}/ready.db")
        try:
            upgrade(db)
            with TestClient(create_app(settings, db)) as http:
                assert http.get("/readyz").json() == {"ready": True}
        finally:
            db.dispose()

    def test_readyz_reports_unreachable_database(self, settings: Settings) -> None:
        """A database that cannot be opened is not ready."""
        db = Database("sqlite:////nonexistent-folder/x/muster.db")
        with TestClient(create_app(settings, db)) as http:
            r = http.get("/readyz")
        assert r.status_code == 503
        assert "unreachable" in r.json()["reason"]


class TestEveryRouteNeedsSignIn:
    """Every /api/v1 route answers 401 without credentials."""

    def test_walk_routes(self, db: Database, settings: Settings) -> None:
        """Each path and method the app publishes, with dummy path parameters, gives 401."""
        app = create_app(settings, db)
        checked = 0
        with TestClient(app) as http:
            for path, operations in app.openapi()["paths"].items():
                if path in PUBLIC or not path.startswith("/api/"):
                    continue  # the console's pages answer with a sign-in page of their own
                concrete = re.sub(r"\{[^}]+\}", "00000000-0000-0000-0000-000000000000", path)
                for method in operations:
                    r = http.request(method.upper(), concrete, json={})
                    assert r.status_code == 401, f"{method} {path}: {r.status_code}"
                    checked += 1
        assert checked >= 5


@pytest.fixture
def cookie_client(
    db: Database, settings: Settings, make_client: Callable[..., TestClient]
) -> Iterator[tuple[TestClient, str]]:
    """A client with a console session cookie of an administrator, and its CSRF token."""
    from muster.auth import service

    make_client("admin", username="console-admin")
    with db.session_scope() as s:
        account = service.get_account_by_username(s, "console-admin")
        raw, csrf = service.open_web_session(s, account=account, hours=1)
    http = TestClient(create_app(settings, db), cookies={"muster_session": raw})
    try:
        yield http, csrf
    finally:
        http.close()


class TestConsoleSession:
    """A session cookie signs in; writes need the CSRF header; signing out ends it at once."""

    def test_cookie_reads_and_csrf_guards_writes(
        self, cookie_client: tuple[TestClient, str]
    ) -> None:
        """GET works with the cookie; POST needs the right X-CSRF-Token."""
        http, csrf = cookie_client
        assert http.get("/api/v1/me").json()["name"] == "console-admin"
        assert http.post("/api/v1/accounts", json=VALID).status_code == 403
        bad = {"x-csrf-token": "wrong"}
        assert http.post("/api/v1/accounts", json=VALID, headers=bad).status_code == 403
        good = {"x-csrf-token": csrf}
        assert http.post("/api/v1/accounts", json=VALID, headers=good).status_code == 201

    def test_closed_session_is_refused(
        self, db: Database, cookie_client: tuple[TestClient, str]
    ) -> None:
        """After close_web_session the cookie gets 401."""
        from muster.auth.service import close_web_session

        http, _csrf = cookie_client
        with db.session_scope() as s:
            close_web_session(s, http.cookies["muster_session"])
        assert http.get("/api/v1/me").status_code == 401
