"""Tests for muster.events.api: the paged list and the live Server-Sent Events stream."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from harness.threaded import serving
from muster.config import Settings
from muster.db import Database
from muster.events import api as events_api
from muster.events.service import append_event
from muster.policy.actor import Actor
from muster.web.app import create_app


def _append(db: Database, n: int = 1, kind: str = "test.thing.done") -> None:
    with db.session_scope() as s:
        for _ in range(n):
            append_event(s, kind=kind, actor=Actor.system("t"), subjects=["s1"])


class TestReadEvents:
    """GET /api/v1/events pages and filters the log."""

    def test_filters_and_paging(self, db: Database, client: TestClient) -> None:
        """Kind prefix, subject and after_seq select; limit and offset page."""
        _append(db, 3, kind="people.person.created")
        _append(db, 1, kind="access.decided")
        body = client.get("/api/v1/events", params={"kind": "people.", "limit": 2}).json()
        assert body["total"] >= 3
        assert all(e["kind"].startswith("people.") for e in body["items"])
        assert len(body["items"]) == 2
        body = client.get("/api/v1/events", params={"kind": "access.decided"}).json()
        assert [e["kind"] for e in body["items"]] == ["access.decided"]
        last = body["items"][0]["seq"]
        assert client.get("/api/v1/events", params={"after_seq": last}).json()["items"] == []
        assert client.get("/api/v1/events", params={"subject": "nobody"}).json()["total"] == 0

    def test_bad_filter_is_422(self, client: TestClient) -> None:
        """A negative after_seq is refused with the field named."""
        response = client.get("/api/v1/events", params={"after_seq": -1})
        assert response.status_code == 422
        assert "after_seq" in response.text


@pytest.fixture
def live_url(
    db: Database, settings: Settings, make_client: Callable[..., TestClient]
) -> Iterator[tuple[str, dict[str, str]]]:
    """The app served by uvicorn on a free port in a thread, and an admin's auth header."""
    headers = dict(make_client("admin").headers)
    app = create_app(settings, db)
    with serving(app, lifespan="off", ws="none", timeout_graceful_shutdown=1) as url:
        yield url, {"authorization": headers["authorization"]}


def _read_until(lines: Iterator[str], last_seq: int) -> list[dict[str, Any]]:
    """Events from an open stream's lines up to and including ``last_seq``."""
    got: list[dict[str, Any]] = []
    for line in lines:
        if line.startswith("data: "):
            got.append(json.loads(line[6:]))
            if got[-1]["seq"] >= last_seq:
                break
    return got


class TestStream:
    """The stream resumes from Last-Event-ID with nothing lost or repeated, and ends on close."""

    def test_resume_after_dropped_connection(
        self, db: Database, live_url: tuple[str, dict[str, str]]
    ) -> None:
        """Events during the gap arrive after reconnecting; none twice; live ones too."""
        url, headers = live_url
        _append(db, 3)
        timeout = httpx.Timeout(10.0)
        with httpx.Client(base_url=url, headers=headers, timeout=timeout) as http:
            with http.stream("GET", "/api/v1/events/stream", params={"after": 0}) as response:
                assert response.status_code == 200
                first = _read_until(response.iter_lines(), 3)
            _append(db, 3)  # while disconnected
            resume = {"last-event-id": str(first[-1]["seq"])}
            with http.stream("GET", "/api/v1/events/stream", headers=resume) as response:
                lines = response.iter_lines()
                second = _read_until(lines, 6)
                threading.Timer(0.1, _append, args=(db, 1)).start()  # live, while connected
                third = _read_until(lines, 7)
        seqs = [e["seq"] for e in first + second + third]
        assert seqs == [1, 2, 3, 4, 5, 6, 7]

    def test_stream_ends_when_client_disconnects(
        self, db: Database, live_url: tuple[str, dict[str, str]]
    ) -> None:
        """After the client goes away the server-side generator finishes."""
        url, headers = live_url
        # Counted on this test's database: streams other tests left to their servers in
        # this process come and go on their own.
        before = events_api.open_streams(db)
        with (
            httpx.Client(base_url=url, headers=headers, timeout=10) as http,
            http.stream("GET", "/api/v1/events/stream") as response,
        ):
            assert response.status_code == 200, response.read()
            lines = response.iter_lines()
            assert next(lines).startswith("retry:")
            # Awaited, not polled: the server counts each stream as it opens and closes (the
            # bound only keeps a broken server from hanging the run).
            assert events_api.wait_for_open_streams(before + 1, timeout=120, db=db), (
                f"streams open on this database: {events_api.open_streams(db)}, "
                f"in the process: {events_api.open_streams()}; the stream's next line: "
                f"{next(lines, '(the stream ended)')!r}"
            )
        assert events_api.wait_for_open_streams(before, timeout=120, db=db)

    def test_stream_requires_sign_in(self, live_url: tuple[str, dict[str, str]]) -> None:
        """Without credentials the stream answers 401."""
        url, _headers = live_url
        assert httpx.get(f"{url}/api/v1/events/stream", timeout=5).status_code == 401
