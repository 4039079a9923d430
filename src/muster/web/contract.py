"""The OpenAPI contract: security and every problem an operation can answer, in one place.

FastAPI describes parameters, bodies and success responses from the routes. What it
cannot see is added here, for every operation from what its route declares:

- ``securitySchemes`` (a bearer token; the console's session cookie) and ``security`` on
  each operation whose dependencies authenticate (``security: []`` on the public ones);
- the problem+json (RFC 9457) answers: 401, 403 and 404 where a sign-in is needed (a use
  case then runs, which may find what the request names missing), 409 on writes, 422
  everywhere (input limits, validation), and 400, 408, 413 and 503 where a body is read
  (see ``BodyLimit``);
- the 64-bit bounds of every integer (``muster.web.limits``), so generated clients and
  schema tests stay in range.

A create (201) that takes an ``Idempotency-Key`` and sets its own status answers a retry
200 with the first result; that is documented too. A route declares any other answer
itself with ``responses=``; it is kept.
"""

from __future__ import annotations

import json
import threading
import typing
from collections.abc import Callable, Iterator
from typing import Any, cast

from fastapi import FastAPI
from fastapi.routing import _IncludedRouter

from muster.schemas import INT64_MAX, INT64_MIN
from muster.web.deps import SESSION_COOKIE, get_actor, require_credentials
from muster.web.problems import PROBLEM_TYPE
from muster.web.streaming import LiveStreamResponse

EVENT_STREAM = "text/event-stream"

BEARER = "bearerToken"
COOKIE = "consoleSession"
WRITES = frozenset({"post", "put", "patch", "delete"})
AUTHENTICATES: frozenset[Callable[..., Any]] = frozenset({get_actor, require_credentials})

# Each problem an operation may answer: status -> (component name, description).
PROBLEMS: dict[int, tuple[str, str]] = {
    400: ("MalformedBody", "The body is not valid JSON or not a readable form"),
    401: ("Unauthenticated", "No sign-in, or a token that is unknown, revoked or malformed"),
    403: ("Forbidden", "The signed-in account may not do this (or the CSRF token is wrong)"),
    404: ("NotFound", "A record the request names does not exist"),
    408: ("BodyTooSlow", "The body was not complete in time"),
    409: ("Conflict", "The request clashes with what is stored"),
    413: ("BodyTooLarge", "The body is larger than the server accepts"),
    422: ("InvalidInput", "A field is missing, malformed or outside its limits; each is named"),
    503: ("Busy", "Too many requests are sending bodies at once; retry shortly"),
}

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An RFC 9457 problem: what went wrong and what to do about it.",
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 100, "maximum": 599},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                "required": ["field", "message"],
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
    "additionalProperties": True,
}


def effective_routes(app: FastAPI) -> Iterator[Any]:
    """Every HTTP route of ``app`` with its effective path, routers within routers too."""

    def walk(routes: list[Any]) -> Iterator[Any]:
        for route in routes:
            if isinstance(route, _IncludedRouter):
                yield from walk(route.effective_candidates())
            elif getattr(route, "dependant", None) is not None and getattr(route, "methods", None):
                yield route

    yield from walk(list(app.routes))


def _calls(dependant: Any) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def authenticates(route: Any) -> bool:
    """True when a dependency of the route requires a sign-in."""
    return any(call in AUTHENTICATES for call in _calls(route.dependant))


def problem_statuses(route: Any, method: str) -> set[int]:
    """The problem statuses an operation can answer, from what its route declares."""
    statuses = {422}
    if authenticates(route):  # and then a use case, which may find what it names missing
        statuses |= {401, 403, 404}
    if route.body_field is not None:
        statuses |= {400, 408, 413, 503}
    if method in WRITES:
        statuses.add(409)
    return statuses


def _bound_integers(node: Any) -> None:
    """Give every integer schema without bounds the 64-bit ones the server enforces."""
    if isinstance(node, dict):
        if node.get("type") == "integer":
            node.setdefault("minimum", INT64_MIN)
            node.setdefault("maximum", INT64_MAX)
        for value in node.values():
            _bound_integers(value)
    elif isinstance(node, list):
        for value in node:
            _bound_integers(value)


def answers_retry_with_200(route: Any) -> bool:
    """True when a retry (the same Idempotency-Key) is answered 200 with the first result:
    the route creates (201), takes the key and sets its own status on the response."""
    takes_key = any(p.alias.lower() == "idempotency-key" for p in route.dependant.header_params)
    sets_status = route.dependant.response_param_name is not None
    return takes_key and sets_status and route.status_code == 201


def streams_events(route: Any) -> bool:
    """True when the route answers a live stream of server-sent events."""
    try:
        answer = typing.get_type_hints(route.endpoint).get("return")
    except (NameError, TypeError):  # an annotation that does not resolve is not a stream's
        return False
    return isinstance(answer, type) and issubclass(answer, LiveStreamResponse)


def _describe_operation(operation: dict[str, Any], route: Any, method: str) -> None:
    responses = operation.setdefault("responses", {})
    if streams_events(route):
        responses["200"] = {
            "description": "Server-sent events for as long as the client listens",
            "content": {EVENT_STREAM: {"schema": {"type": "string"}}},
        }
    if answers_retry_with_200(route) and "201" in responses:
        retry = dict(responses["201"])
        retry["description"] = "A retry with the same Idempotency-Key: the first answer"
        responses.setdefault("200", retry)
    for status in sorted(problem_statuses(route, method)):
        name, _ = PROBLEMS[status]
        declared = responses.get(str(status))
        if declared is None or "HTTPValidationError" in str(declared):
            responses[str(status)] = {"$ref": f"#/components/responses/{name}"}
        else:  # a route's own description is kept; its answer is still a problem
            declared["content"] = {
                PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}
            }
    operation["responses"] = dict(sorted(responses.items()))
    operation["security"] = [{BEARER: []}, {COOKIE: []}] if authenticates(route) else []


def describe_contract(app: FastAPI, schema: dict[str, Any]) -> dict[str, Any]:
    """Add security, problem answers and integer bounds to the app's generated OpenAPI."""
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas["Problem"] = PROBLEM_SCHEMA
    problem_content = {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    components["responses"] = {
        name: {"description": text, "content": problem_content} for name, text in PROBLEMS.values()
    }
    components["securitySchemes"] = {
        BEARER: {
            "type": "http",
            "scheme": "bearer",
            "description": "A device or script token: muster token create",
        },
        COOKIE: {
            "type": "apiKey",
            "in": "cookie",
            "name": SESSION_COOKIE,
            "description": "The console's session; writes also send the X-CSRF-Token header",
        },
    }
    paths = schema.get("paths", {})
    for route in effective_routes(app):
        item = paths.get(route.path_format)
        if item is None:
            continue  # not in the schema (console pages, streams of the console)
        for method in route.methods:
            operation = item.get(method.lower())
            if operation is not None:
                _describe_operation(operation, route, method.lower())
    _bound_integers(schema)
    return schema


def install_contract(app: FastAPI) -> None:
    """Serve the described contract at ``app.openapi_url`` (built once, on first use)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _contract_of(app, generate)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


# The last contract described: the routes it was made from (held, so that their identity
# means what it says), the app's heading, and the contract as JSON text.
_described: tuple[tuple[object, ...], tuple[str, ...], str] | None = None
_described_lock = threading.Lock()


def _contract_of(app: FastAPI, generate: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The app's described contract. It is a function of the routes in its schema and its
    heading alone, and apps are built on one shared set of routes (``web.app.shared_routes``),
    so a second app on the same routes gets a copy of the first one's contract instead of
    generating it again (0.6 s each); each app gets its own copy."""
    global _described
    routes = tuple(r for r in app.routes if getattr(r, "include_in_schema", True))
    heading = (app.title, app.version, app.description, app.openapi_version)
    with _described_lock:
        kept = _described
    if (
        kept is not None
        and kept[1] == heading
        and len(kept[0]) == len(routes)
        and all(a is b for a, b in zip(kept[0], routes, strict=True))
    ):
        return cast(dict[str, Any], json.loads(kept[2]))
    text = json.dumps(describe_contract(app, generate()))
    with _described_lock:
        _described = (routes, heading, text)
    return cast(dict[str, Any], json.loads(text))
