"""The OpenAPI tells the truth about security and the problems each operation answers."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from muster.config import Settings
from muster.db import Database
from muster.schemas import INT64_MAX, INT64_MIN
from muster.web.app import create_app
from muster.web.contract import BEARER, COOKIE, install_contract
from muster.web.deps import CurrentActor

PLACEHOLDER = "00000000-0000-0000-0000-000000000000"
PROBLEM_REF = "#/components/schemas/Problem"


class Thing(BaseModel):
    """A body for the route added in a test."""

    name: str


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]


def _response(schema: dict[str, Any], operation: dict[str, Any], status: int) -> dict[str, Any]:
    """The operation's documented answer for ``status``, references followed."""
    answer = operation["responses"][str(status)]
    ref = answer.get("$ref")
    if ref:
        answer = schema["components"]["responses"][ref.rsplit("/", 1)[-1]]
    return dict(answer)


class TestSecurity:
    """Security schemes are declared and each operation says which it accepts."""

    def test_schemes(self, db: Database, settings: Settings) -> None:
        """A bearer token and the console's session cookie."""
        schemes = create_app(settings, db).openapi()["components"]["securitySchemes"]
        assert schemes[BEARER] == {**schemes[BEARER], "type": "http", "scheme": "bearer"}
        assert schemes[COOKIE]["in"] == "cookie"
        assert schemes[COOKIE]["name"] == "muster_session"

    def test_every_operation_answers_as_its_security_says(
        self, db: Database, settings: Settings
    ) -> None:
        """Called without credentials, a secured operation answers a documented 401 problem
        with its challenge, and a public one does not ask for a sign-in."""
        app = create_app(settings, db)
        schema = app.openapi()
        public = []
        with TestClient(app) as http:
            for path, method, operation in _operations(schema):
                if path == "/api/v1/events/stream":
                    continue  # answers 401 too, but a stream is not fetched whole
                concrete = re.sub(r"\{[^}]+\}", PLACEHOLDER, path)
                r = http.request(method.upper(), concrete, json={})
                if operation["security"] == []:
                    assert r.status_code != 401, f"{method} {path}"
                    public.append(path)
                    continue
                assert operation["security"] == [{BEARER: []}, {COOKIE: []}]
                assert r.status_code == 401, f"{method} {path}: {r.status_code}"
                assert "401" in operation["responses"], f"{method} {path}"
                assert r.headers["content-type"].startswith("application/problem+json")
                assert r.headers["www-authenticate"].startswith("Bearer")
        assert sorted(public) == ["/healthz", "/readyz"]


class TestProblems:
    """Every problem an operation can answer is documented as application/problem+json."""

    def test_every_operation_documents_its_problems(self, db: Database, settings: Settings) -> None:
        """422 everywhere; 401, 403 and 404 where a sign-in is needed; 409 on writes; the
        body's own problems where one is read. Each is a Problem."""
        schema = create_app(settings, db).openapi()
        assert "HTTPValidationError" not in str(schema)
        for path, method, operation in _operations(schema):
            documented = {int(s) for s in operation["responses"] if s.isdigit() and int(s) >= 400}
            expected = {422}
            if operation["security"]:
                expected |= {401, 403, 404}
            if method in ("post", "put", "patch", "delete"):
                expected.add(409)
            if "requestBody" in operation:
                expected |= {400, 408, 413, 503}
            assert expected <= documented, f"{method} {path}: {sorted(expected - documented)}"
            for status in expected:
                content = _response(schema, operation, status)["content"]
                assert content == {"application/problem+json": {"schema": {"$ref": PROBLEM_REF}}}

    def test_generated_from_the_route(self) -> None:
        """A route added later is described from its dependencies, with no code of its own."""
        app = FastAPI()

        @app.post("/things", responses={409: {"description": "The name is taken"}})
        def create_thing(body: Thing, actor: CurrentActor) -> Thing:
            return body

        @app.get("/ping")
        def ping() -> str:
            return "pong"

        install_contract(app)
        schema = app.openapi()
        things = schema["paths"]["/things"]["post"]
        expected = {"200", "400", "401", "403", "404", "408", "409", "413", "422", "503"}
        assert set(things["responses"]) == expected
        assert things["responses"]["409"]["description"] == "The name is taken"
        assert things["responses"]["409"]["content"]["application/problem+json"]
        ping_op = schema["paths"]["/ping"]["get"]
        assert ping_op["security"] == []
        assert set(ping_op["responses"]) == {"200", "422"}


class TestRetries:
    """A create that answers a retry 200 documents it, with the body of its 201."""

    def test_idempotent_creates(self, db: Database, settings: Settings) -> None:
        """The passage and the door upload, found from their declarations."""
        paths = create_app(settings, db).openapi()["paths"]
        for path in (
            "/api/v1/portals/{portal_id}/passages",
            "/api/v1/doors/portals/{portal_id}/requests",
        ):
            responses = paths[path]["post"]["responses"]
            assert responses["200"]["content"] == responses["201"]["content"], path
        acks = paths["/api/v1/comms/messages/{message_id}/ack"]["post"]["responses"]
        assert "201" not in acks  # answers 200 every time, retry or not


class TestStreams:
    """A live stream documents server-sent events as its answer, not JSON."""

    def test_streams_answer_event_streams(self, db: Database, settings: Settings) -> None:
        """Found from the routes' return types; every other GET answers JSON."""
        paths = create_app(settings, db).openapi()["paths"]
        streams = {
            path
            for path, item in paths.items()
            if "text/event-stream"
            in item.get("get", {}).get("responses", {}).get("200", {}).get("content", {})
        }
        assert streams == {"/api/v1/events/stream", "/api/v1/doors/stream"}
        for path in streams:
            assert list(paths[path]["get"]["responses"]["200"]["content"]) == ["text/event-stream"]


class TestIntegerBounds:
    """Every integer in the contract carries the 64-bit bounds the server enforces."""

    def test_every_integer_is_bounded(self, db: Database, settings: Settings) -> None:
        """Parameters, bodies and answers alike; declared tighter bounds are kept."""
        schema = create_app(settings, db).openapi()
        integers: list[dict[str, Any]] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if node.get("type") == "integer":
                    integers.append(node)
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(schema)
        assert len(integers) > 50
        for node in integers:
            assert INT64_MIN <= node["minimum"] <= node["maximum"] <= INT64_MAX, node
        offsets = [
            p["schema"]
            for p in schema["paths"]["/api/v1/persons"]["get"]["parameters"]
            if p["name"] == "offset"
        ]
        assert offsets[0]["maximum"] == 2**31 - 1
