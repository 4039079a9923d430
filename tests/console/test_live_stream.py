"""Tests for the console's live feed, ``/console/stream``, served by a real server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from muster.db import Database
from muster.events.service import append_event
from muster.policy.actor import Actor

from .browser import serve
from .helpers import ConsoleKit, sign_in


def _append(db: Database, *kinds: str) -> None:
    with db.session_scope() as s:
        for kind in kinds:
            append_event(s, kind=kind, actor=Actor.system("t"), subjects=["s1"])


@contextmanager
def _signed_in(url: str, username: str) -> Iterator[httpx.Client]:
    """A client of the served console, signed in through the sign-in form."""
    with httpx.Client(base_url=url, timeout=10, follow_redirects=False) as http:
        yield sign_in(http, username)


def _frames(lines: Iterator[str], last_kind: str) -> list[list[str]]:
    """The SSE frames (their lines) of an open stream up to the first event of ``last_kind``."""
    frames: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if line:
            current.append(line)
            continue
        if current:
            frames.append(current)
            data = [x for x in current if x.startswith("data: ")]
            current = []
            if data and json.loads(data[0][6:]).get("kind") == last_kind:
                return frames
    raise AssertionError("the stream ended early")


def _events(frames: list[list[str]]) -> list[dict[str, Any]]:
    return [json.loads(x[6:]) for f in frames for x in f if x.startswith("data: ")]


class TestConsoleStream:
    """Every event the operator may read arrives as an unnamed message, resumable by id."""

    def test_unnamed_events_and_resume(self, console: ConsoleKit, db: Database) -> None:
        """No ``event:`` line; the kind is in the data; Last-Event-ID resumes exactly."""
        name = console.account("commander")
        _append(db, "test.thing.done", "test.thing.last")
        with serve(console.app) as url, _signed_in(url, name) as http:
            with http.stream("GET", "/console/stream", params={"after": 0}) as response:
                assert response.status_code == 200
                assert response.headers["content-type"].startswith("text/event-stream")
                assert response.headers["x-content-type-options"] == "nosniff"
                assert response.headers["x-request-id"]
                frames = _frames(response.iter_lines(), "test.thing.last")
            assert not [x for f in frames for x in f if x.startswith("event:")]
            events = _events(frames)
            assert [e["kind"] for e in events][-2:] == ["test.thing.done", "test.thing.last"]
            assert [f"id: {e['seq']}" for e in events] == [
                x for f in frames for x in f if x.startswith("id: ")
            ]
            _append(db, "test.thing.later")
            resume = {"last-event-id": str(events[-1]["seq"])}
            with http.stream("GET", "/console/stream", headers=resume) as response:
                later = _events(_frames(response.iter_lines(), "test.thing.later"))
        # The sign-in's own event came after the appended ones; nothing is lost or repeated.
        seqs = [e["seq"] for e in later]
        assert seqs == list(range(events[-1]["seq"] + 1, events[-1]["seq"] + 1 + len(seqs)))
        assert later[-1]["kind"] == "test.thing.later"

    def test_restricted_kinds_stay_hidden(self, console: ConsoleKit, db: Database) -> None:
        """A guard's feed leaves out the station's defences, as the API's stream does."""
        name = console.account("guard")
        _append(db, "vessels.asset.updated", "test.thing.last")
        with (
            serve(console.app) as url,
            _signed_in(url, name) as http,
            http.stream("GET", "/console/stream", params={"after": 0}) as response,
        ):
            events = _events(_frames(response.iter_lines(), "test.thing.last"))
        assert events[-1]["kind"] == "test.thing.last"
        assert not [e for e in events if e["kind"].startswith("vessels.asset.")]
