"""Input limits on every route: integers fit 64 bits, text carries no NUL, on both backends.

The route walks read the app itself, so a route added later is held to the limits too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.dependencies.utils import get_flat_params
from fastapi.routing import _IncludedRouter
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from muster.db import Database
from muster.people.models import Person
from muster.schemas import INT32_MAX, INT64_MAX
from muster.web.limits import accepts_int

PLACEHOLDER = "00000000-0000-0000-0000-000000000000"
HUGE = 867473434626396643223666688  # the path id of the report: 90 bits
NUL_TEXT = "before\x00after"
# The routes the report found storing NUL or failing on it; each must be in the walks.
REPORTED = {
    "POST /api/v1/persons",
    "GET /api/v1/persons",
    "POST /api/v1/incidents/{incident_id}/log",
    "POST /api/v1/rollcall/marks",
    "POST /api/v1/custody/sign-out",
    "POST /api/v1/agreements",
    "POST /api/v1/comms/announcements",
}


def _routes(routes: list[Any]) -> Iterator[Any]:
    """Every route with its effective path (routers included inside routers too)."""
    for route in routes:
        if isinstance(route, _IncludedRouter):
            yield from _routes(route.effective_candidates())
        elif getattr(route, "dependant", None) is not None and getattr(route, "methods", None):
            yield route


def _operations(client: TestClient) -> Iterator[tuple[str, Any]]:
    for route in _routes(list(client.app.routes)):  # type: ignore[attr-defined]
        for method in sorted(route.methods - {"HEAD"}):
            yield method, route


def _params(route: Any, where: str) -> list[Any]:
    return [f for f in get_flat_params(route.dependant) if f.field_info.in_.value == where]


def _path(route: Any, **values: str) -> str:
    path = route.path_format
    for field in _params(route, "path"):
        fallback = "1" if accepts_int(field.field_info.annotation) else PLACEHOLDER
        path = path.replace("{" + field.alias + "}", quote(values.get(field.alias, fallback)))
    return path


def _refusal(response: Any, field: str) -> str:
    """The message the refusal gives for ``field``; fails unless it is a 422 problem."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    messages = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert field in messages, response.text
    return messages[field]


def _body_field_name(route: Any) -> str:
    """A field the route's body declares (its first), as a form or JSON object sends it."""
    annotation = route.body_field.field_info.annotation
    fields = getattr(annotation, "model_fields", None)
    return next(iter(fields)) if fields else route.body_field.alias


class TestPathLimits:
    """Every path parameter of every route refuses NUL, and integers past 64 bits."""

    def test_every_path_parameter(self, client: TestClient) -> None:
        """Each parameter in turn is hostile; the 422 names it, before any lookup."""
        checked = 0
        for method, route in _operations(client):
            for field in _params(route, "path"):
                hostile = str(HUGE) if accepts_int(field.field_info.annotation) else NUL_TEXT
                r = client.request(method, _path(route, **{field.alias: hostile}))
                message = _refusal(r, f"path.{field.alias}")
                if hostile == NUL_TEXT:
                    assert message == "must not contain a NUL character"
                else:
                    assert message.startswith("must be at most ")
                checked += 1
        assert checked > 100

    def test_report_sitrep_path(self, client: TestClient) -> None:
        """The report's path id beyond 64 bits is a 422 naming the number and the bound of
        its column (a sitrep's number is 32 bits on PostgreSQL)."""
        r = client.get(f"/api/v1/incidents/{PLACEHOLDER}/sitreps/{HUGE}")
        assert r.json()["detail"] == f"path.number: must be at most {INT32_MAX}"
        within_64_bits = client.get(f"/api/v1/incidents/{PLACEHOLDER}/sitreps/{INT32_MAX + 1}")
        assert _refusal(within_64_bits, "path.number").endswith(str(INT32_MAX))

    def test_largest_integer_passes_the_limit(self, client: TestClient) -> None:
        """2**63 - 1 itself is in range: the events after it are read (none)."""
        r = client.get("/api/v1/events", params={"after_seq": INT64_MAX})
        assert r.status_code == 200, r.text
        assert r.json()["items"] == []
        beyond = client.get("/api/v1/events", params={"after_seq": INT64_MAX + 1})
        assert _refusal(beyond, "query.after_seq") == f"must be at most {INT64_MAX}"


class TestQueryLimits:
    """Every query parameter refuses NUL, and integers past 64 bits."""

    def test_every_query_parameter(self, client: TestClient) -> None:
        """Each declared query parameter in turn is hostile; the 422 names it."""
        checked = 0
        for method, route in _operations(client):
            for field in _params(route, "query"):
                is_int = accepts_int(field.field_info.annotation)
                hostile = str(-HUGE if is_int else NUL_TEXT)
                r = client.request(method, _path(route), params={field.alias: hostile})
                _refusal(r, f"query.{field.alias}")
                checked += 1
        assert checked > 100

    def test_declared_bound_is_the_one_given(self, client: TestClient) -> None:
        """A parameter with bounds of its own is told those, not the 64-bit ones."""
        r = client.get("/api/v1/persons", params={"offset": str(HUGE)})
        assert _refusal(r, "query.offset") == "must be at most 2147483647"


class TestHeaderLimits:
    """Every header a route takes as a parameter (an ``Idempotency-Key``) refuses NUL."""

    def test_every_declared_header(self, client: TestClient) -> None:
        """Each declared header in turn carries a NUL; the 422 names it (PostgreSQL cannot
        store the key, so this was a server error there)."""
        checked = set()
        for method, route in _operations(client):
            for field in _params(route, "header"):
                name = field.alias.replace("_", "-")
                r = client.request(method, _path(route), headers={name: NUL_TEXT})
                assert _refusal(r, f"header.{name}") == "must not contain a NUL character"
                checked.add(f"{method} {route.path}")
        assert "POST /api/v1/posts/{post_ref}/reports" in checked
        assert len(checked) >= 4


class TestBodyLimits:
    """Every JSON body and console form refuses NUL in any text, and huge integers."""

    def test_every_body(self, client: TestClient) -> None:
        """Each route with a body gets NUL in its first field; the 422 names that field."""
        checked: set[str] = set()
        for method, route in _operations(client):
            if route.body_field is None:
                continue
            name = _body_field_name(route)
            if route.body_field.field_info.__class__.__name__ == "Form":
                r = client.request(method, _path(route), data={name: NUL_TEXT})
            else:
                r = client.request(method, _path(route), json={name: NUL_TEXT})
            _refusal(r, f"body.{name}")
            checked.add(f"{method} {route.path}")
        assert len(checked) > 80
        assert checked >= REPORTED - {"GET /api/v1/persons"}

    def test_nested_text_and_integers(self, client: TestClient) -> None:
        """A NUL deep in a list and an integer past 64 bits are both named."""
        r = client.post(
            "/api/v1/persons", json={"name": "Ada", "roles": ["ok", NUL_TEXT], "x": 2**64}
        )
        assert r.status_code == 422
        fields = {e["field"] for e in r.json()["errors"]}
        assert fields == {"body.roles.1", "body.x"}

    def test_text_bodies(self, client: TestClient) -> None:
        """A CSV or a CAP alert with a NUL byte is refused as a whole body."""
        csv = client.post(
            "/api/v1/stock/import",
            content=b"sku,qty\nA\x00,1\n",
            headers={"content-type": "text/csv"},
        )
        assert _refusal(csv, "body") == "must not contain a NUL character"
        cap = client.post(
            "/api/v1/comms/cap",
            content=b"<alert>\x00</alert>",
            headers={"content-type": "application/xml"},
        )
        _refusal(cap, "body")


class TestRecordNumbers:
    """A record named by a number too large for its column, or by other scripts' digits,
    is not found: never a failed query."""

    @pytest.mark.parametrize(
        "path",
        [
            f"/api/v1/welfare/cases/W-{HUGE}",
            "/api/v1/welfare/cases/W-\u00b2",
            f"/api/v1/welfare/cases/{INT32_MAX + 1}",
            f"/api/v1/agreements/A-{HUGE}",
            f"/api/v1/policies/{HUGE}",
            "/api/v1/policies/\u0663",
            f"/api/v1/incidents/{HUGE}",
        ],
    )
    def test_not_found(self, client: TestClient, path: str) -> None:
        """Each is a 404 on both backends."""
        assert client.get(path).status_code == 404

    def test_casualty_tag(self, make_client: Callable[..., TestClient]) -> None:
        """A medic asking for tag C-<huge> is told there is none."""
        medic = make_client("medic")
        assert medic.get(f"/api/v1/medical/casualties/C-{HUGE}").status_code == 404

    @pytest.mark.parametrize("page", [str(HUGE), "\u00b2", "0", "-3"])
    def test_console_page_numbers(self, cookie_console: tuple[TestClient, str], page: str) -> None:
        """A page number that is no page shows a page of the list."""
        http, _csrf = cookie_console
        assert http.get("/people", params={"page": page}).status_code == 200
        assert http.get("/events", params={"page": page}).status_code == 200


class TestNothingStored:
    """A refused request changes nothing, and the same text without NUL is accepted."""

    def test_person_with_nul_is_not_stored(self, db: Database, client: TestClient) -> None:
        """On either backend: 422, no person; then the clean name is registered."""
        r = client.post("/api/v1/persons", json={"name": NUL_TEXT, "affiliation": "crew"})
        assert r.json()["detail"] == "body.name: must not contain a NUL character"
        with db.session_scope(write=False) as s:
            assert s.scalar(select(func.count()).select_from(Person)) == 0
        ok = client.post("/api/v1/persons", json={"name": "before after", "affiliation": "crew"})
        assert ok.status_code == 201, ok.text

    def test_json_without_a_content_type(self, db: Database, client: TestClient) -> None:
        """A JSON body sent without a Content-Type, NUL in it: refused (FastAPI reads such a
        body as no JSON object), and nothing stored."""
        body = json.dumps({"name": NUL_TEXT, "affiliation": "crew"}).encode()
        r = client.post("/api/v1/persons", content=body)  # httpx sends no Content-Type
        assert r.status_code == 422, r.text
        with db.session_scope(write=False) as s:
            assert s.scalar(select(func.count()).select_from(Person)) == 0

    def test_search_with_nul(self, client: TestClient) -> None:
        """A search for text with NUL is refused on both backends (PostgreSQL cannot run it)."""
        _refusal(client.get("/api/v1/persons", params={"q": NUL_TEXT}), "query.q")

    def test_console_form_with_nul(
        self, client: TestClient, cookie_console: tuple[TestClient, str]
    ) -> None:
        """A console form post with NUL in a field is refused, naming the field."""
        http, csrf = cookie_console
        r = http.post(
            f"/posts/{PLACEHOLDER}/mode", data={"csrf": csrf, "mode": "normal", "reason": NUL_TEXT}
        )
        _refusal(r, "body.reason")


@pytest.fixture
def cookie_console(db: Database, client: TestClient) -> Iterator[tuple[TestClient, str]]:
    """A console browser signed in as the administrator of ``client``, with its CSRF token."""
    from muster.auth import service

    with db.session_scope() as s:
        account = service.get_account_by_username(s, "admin-test")
        raw, csrf = service.open_web_session(s, account=account, hours=1)
    http = TestClient(client.app, cookies={"muster_session": raw})
    try:
        yield http, csrf
    finally:
        http.close()
