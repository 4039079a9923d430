"""Tests for muster.web.streaming: live streams' bodies skip only layers that pass them on."""

from __future__ import annotations

from typing import Any

from fastapi.middleware.gzip import GZipMiddleware
from fastapi.testclient import TestClient

from muster.config import Settings
from muster.db import Database
from muster.web.app import create_app
from muster.web.streaming import START_ONLY, DirectBodies

# Every layer the stack holds today, each of which passes body messages through unchanged
# (read before adding one here: a layer that rewrites bodies must turn the shortcut off).
PASS_THROUGH = {
    "ServerErrorMiddleware",
    "ExceptionTelemetryMiddleware",
    "AppBodyLimitMiddleware",
    "_BodyLimitExceptionMiddleware",
    "ExceptionMiddleware",
    "AsyncExitStackMiddleware",
    *(cls.__name__ for cls in START_ONLY),
}


def _layers(app: Any) -> list[str]:
    client = TestClient(app)
    client.get("/healthz")  # the stack is built on the first request
    names: list[str] = []
    layer = app.middleware_stack
    while layer is not None and layer is not app.router:
        names.append(type(layer).__name__)
        layer = getattr(layer, "app", None)
    return names


class TestDirectBodies:
    """The shortcut is on only while every layer of the stack is known to pass bodies on."""

    def test_outermost_over_known_layers(self, settings: Settings, db: Database) -> None:
        """Muster's stack: the shortcut outermost, then only known pass-through layers."""
        names = _layers(create_app(settings, db, run_scheduler=False))
        assert names[0] == DirectBodies.__name__
        assert set(names[1:]) <= PASS_THROUGH, set(names[1:]) - PASS_THROUGH

    def test_body_rewriting_middleware_turns_it_off(self, settings: Settings, db: Database) -> None:
        """A compressing middleware added to the app: bodies go through the whole stack."""
        app = create_app(settings, db, run_scheduler=False)
        app.add_middleware(GZipMiddleware)
        assert DirectBodies.__name__ not in _layers(app)
