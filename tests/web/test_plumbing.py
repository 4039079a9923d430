"""Tests for every response's plumbing: security headers, request ids, metrics."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from muster.ops.http import CONTENT_SECURITY_POLICY
from muster.ops.logs import json_formatter


class TestSecurityHeaders:
    """Every response carries the security headers, errors included."""

    @pytest.mark.parametrize("path", ["/healthz", "/api/v1/me", "/no-such-page", "/login"])
    def test_headers_on_every_response(self, client: TestClient, path: str) -> None:
        """Success, 404 and the console page all get CSP, nosniff and no referrer."""
        r = client.get(path)
        assert r.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"

    def test_csp_forbids_inline_script_and_framing(self) -> None:
        """The policy allows scripts only from the site and no framing at all."""
        assert "script-src 'self';" in CONTENT_SECURITY_POLICY
        assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
        assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY

    def test_refused_body_gets_headers(self, client: TestClient) -> None:
        """A 413 from the body limit still carries the headers and a request id."""
        r = client.post("/api/v1/accounts", content=b"x" * 2_000_000)
        assert r.status_code == 413
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-request-id"]


class TestRequestIds:
    """A request id is taken from the caller or made up, and echoed."""

    def test_caller_id_echoed(self, client: TestClient) -> None:
        """A well-formed X-Request-ID comes back unchanged."""
        r = client.get("/healthz", headers={"X-Request-ID": "nginx-abc.123"})
        assert r.headers["x-request-id"] == "nginx-abc.123"

    def test_unsafe_id_replaced(self, client: TestClient) -> None:
        """An id with spaces or newlines is replaced, so logs cannot be forged with it."""
        r = client.get("/healthz", headers={"X-Request-ID": "a b\tc"})
        assert r.headers["x-request-id"] != "a b\tc"
        assert len(r.headers["x-request-id"]) == 32

    def test_fresh_id_per_request(self, client: TestClient) -> None:
        """Two requests without ids get two different ids."""
        ids = {client.get("/healthz").headers["x-request-id"] for _ in range(2)}
        assert len(ids) == 2

    def test_access_log_line_has_request_id(
        self, client: TestClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        """The access log line of a request, rendered as JSON, names its request id."""
        with caplog.at_level(logging.INFO, logger="muster.http"):
            client.get("/healthz", headers={"X-Request-ID": "trace-42"})
        records = [r for r in caplog.records if r.name == "muster.http"]
        assert records
        line = json.loads(json_formatter().format(records[-1]))
        assert line["request_id"] == "trace-42"
        assert line["status"] == 200
        assert line["route"] == "/healthz"


class TestMetrics:
    """/metrics is Prometheus text for administrators only."""

    def test_admin_reads_metrics(self, client: TestClient) -> None:
        """An administrator's token gets the text format with Muster's metrics."""
        client.get("/healthz")
        r = client.get("/metrics")
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/plain")
        assert "muster_http_request_seconds_bucket" in r.text
        assert "muster_live_streams" in r.text

    def test_anonymous_refused(self, client: TestClient) -> None:
        """Without sign-in the answer is 401."""
        assert TestClient(client.app).get("/metrics").status_code == 401

    def test_non_admin_refused(self, make_client: Callable[..., TestClient]) -> None:
        """A guard may not read metrics."""
        assert make_client("guard").get("/metrics").status_code == 403

    def test_route_template_not_raw_path(self, client: TestClient) -> None:
        """Latency is labelled by route template, so ids do not explode the label set."""
        client.get("/api/v1/events", params={"limit": 1})
        text = client.get("/metrics").text
        assert 'route="/api/v1/events"' in text
