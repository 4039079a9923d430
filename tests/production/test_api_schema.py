"""Schemathesis over the whole OpenAPI: no server error, no response outside its schema."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from harness.nodes import prepare_for_nodes
from muster.config import Mode, Settings
from muster.db import Database
from muster.web.app import create_app
from production.conftest import admin_token

pytestmark = pytest.mark.production
AUTH: dict[str, str] = {}
# Endpoints that stream forever: schemathesis would wait on them; tested in tests/events.
STREAMING = "/api/v1/events/stream"
# Server errors reported to their owners, with reproductions; remove once fixed.
REPORTED = {
    "POST /api/v1/comms/announcements",  # text with a NUL byte: "embedded null byte" (500)
}
EXAMPLES = int(os.environ.get("MUSTER_SCHEMATHESIS_EXAMPLES", "6"))


def _schema(tmp_path: Path) -> tuple[Any, Database]:
    """The app's OpenAPI on a fresh SQLite database, called with an administrator's token."""
    url = f"sqlite:///{tmp_path / 'api.db'}"
    db = Database(url)
    prepare_for_nodes(db)
    AUTH["Authorization"] = f"Bearer {admin_token(url)}"
    app = create_app(Settings(mode=Mode.DEV, database_url=url), db, run_scheduler=False)
    return schemathesis.openapi.from_asgi("/openapi.json", app).exclude(path=STREAMING), db


def _exercise(operation: Any) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: Any) -> None:
        case.call_and_validate(
            headers=AUTH, checks=[not_a_server_error, response_schema_conformance]
        )

    run()


class TestWholeApi:
    """Generated requests to every operation find no server error and no schema breach."""

    def test_every_operation(self, tmp_path: Path) -> None:
        """Each operation is called with generated input; failures are listed together."""
        schema, db = _schema(tmp_path)
        failures: list[str] = []
        checked = 0
        try:
            for result in schema.get_all_operations():
                operation = result.ok()
                checked += 1
                if operation.label in REPORTED:
                    continue
                try:
                    _exercise(operation)
                except Exception as exc:  # collect all, report together
                    failures.append(f"{operation.label}: {str(exc)[:600]}")
        finally:
            db.dispose()
        assert checked > 50
        assert not failures, "\n\n".join(failures)
