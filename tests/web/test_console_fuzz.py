"""Hostile input to every console form: never a server error, on SQLite and PostgreSQL.

The console's pages are outside the OpenAPI, so schemathesis does not reach them. Each
form route found in the app gets generated path parameters and form fields (NUL bytes,
huge numbers, dates that are not dates, ids of nothing, long and empty text) from a
signed-in administrator with a valid CSRF token, which gets it past sign-in to the work.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from muster.auth import service
from muster.db import Database
from muster.web.console.viewer import CSRF_FIELD
from muster.web.contract import effective_routes

EXAMPLES = int(os.environ.get("MUSTER_CONSOLE_FUZZ_EXAMPLES", "8"))
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# Signing out ends the session every later example needs; tests/console covers it.
SKIPPED = {"/logout"}
HOSTILE = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        str(2**70),
        "-1",
        "0",
        "1e309",
        "2031-02-30T25:61",
        "00000000-0000-0000-0000-000000000000",
        "../../etc/passwd",
        "<script>alert(1)</script>",
        "x" * 5000,
        "\u202e\ufeff",
    ]
)
TEXT = st.one_of(HOSTILE, st.text(max_size=40))


def _form_routes(app: Any) -> Iterator[tuple[str, Any]]:
    for route in effective_routes(app):
        if route.path.startswith("/api/") or route.path in SKIPPED:
            continue
        for method in sorted(route.methods & WRITES):
            yield method, route


def _fields(route: Any) -> list[str]:
    if route.body_field is None:
        return []
    model = route.body_field.field_info.annotation
    return list(getattr(model, "model_fields", {}) or [route.body_field.alias])


@pytest.fixture
def console(db: Database, client: TestClient) -> Iterator[tuple[TestClient, str]]:
    """A console browser signed in as the administrator of ``client``, and its CSRF token."""
    with db.session_scope() as s:
        account = service.get_account_by_username(s, "admin-test")
        raw, csrf = service.open_web_session(s, account=account, hours=1)
    http = TestClient(client.app, cookies={"muster_session": raw}, follow_redirects=False)
    try:
        yield http, csrf
    finally:
        http.close()


def _fuzz(http: TestClient, csrf: str, method: str, route: Any) -> set[int]:
    """Send one route its generated forms; fails on the first answer of 500 or more.

    Returns the statuses answered."""
    statuses: set[int] = set()
    names = [p.alias for p in route.dependant.path_params]
    path_values = st.fixed_dictionaries({name: TEXT.filter(bool) for name in names})
    form_values = st.fixed_dictionaries({}, optional=dict.fromkeys(_fields(route), TEXT))

    @given(path=path_values, form=form_values)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(path: dict[str, str], form: dict[str, str]) -> None:
        url = route.path_format
        for name, value in path.items():
            url = url.replace("{" + name + "}", quote(value, safe=""))
        r = http.request(method, url, data={**form, CSRF_FIELD: csrf})
        statuses.add(r.status_code)
        assert r.status_code < 500, f"{method} {url} {form!r}: {r.text[:300]}"

    run()
    return statuses


class TestConsoleForms:
    """Generated hostile forms to every console form route get an answer below 500."""

    def test_no_server_error(self, console: tuple[TestClient, str]) -> None:
        """Every route is tried; the server errors of all are listed together."""
        http, csrf = console
        failures: list[str] = []
        routes = list(_form_routes(http.app))
        reached = 0  # routes whose handler answered (a redirect or a page), not only a 422
        for method, route in routes:
            try:
                reached += bool(_fuzz(http, csrf, method, route) - {422})
            except AssertionError as exc:
                failures.append(str(exc)[:600])
        assert len(routes) > 30
        assert reached > len(routes) // 2
        assert not failures, "\n\n".join(failures)
