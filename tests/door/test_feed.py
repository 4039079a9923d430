"""The feed doors follow over HTTP: what a door reads, what it may not see, the stream's heads."""

from __future__ import annotations

import json
from typing import Any

import httpx
from fastapi.testclient import TestClient

from access.station import ana_in_the_south
from door.conftest import LiveServer, MakeClient
from muster.auth import service as auth_service
from muster.config import Settings
from muster.db import Database
from muster.events import api as events_api
from muster.events.rows import rows_head
from muster.events.service import append_event, last_seq
from muster.policy.actor import Actor
from muster.web.app import create_app


class TestFeed:
    """The feed gives a door what its decisions read, and nothing it may not see."""

    def test_other_tables_and_hidden_events_come_as_hashes(
        self, db: Database, make_client: MakeClient
    ) -> None:
        """Accounts and tokens carry no image; an event the guard may not read has no body."""
        ana_in_the_south(db)
        with db.session_scope() as s:
            secret = append_event(s, kind="vessels.asset.moved", actor=Actor.system("t")).seq
        feed = make_client("guard").get("/api/v1/doors/feed").json()
        by_table = {r["table"]: r for r in feed["rows"]}
        assert "image" in by_table["persons"]
        assert "image" not in by_table["accounts"]
        assert "image" not in by_table["api_tokens"]
        hidden = next(e for e in feed["events"] if e["seq"] == secret)
        assert set(hidden) == {"seq", "prev_hash", "hash"}
        assert feed["complete"]
        assert feed["head"] == feed["events"][-1]["seq"]

    def test_reader_token_may_not_read_the_feed(self, db: Database, client: TestClient) -> None:
        """A reader's token bound to a portal is refused (403); no sign-in is 401."""
        ids = ana_in_the_south(db)
        with db.session_scope() as s:
            _t, secret = auth_service.create_token(
                s,
                name="south-reader",
                username="admin-test",
                scopes=[],
                actor=Actor.system("t"),
                portal_id=ids["portal"],
            )
        reader = TestClient(client.app, headers={"Authorization": f"Bearer {secret}"})
        assert reader.get("/api/v1/doors/feed").status_code == 403
        assert TestClient(client.app).get("/api/v1/doors/feed").status_code == 401

    def test_negative_cursor_is_422(self, client: TestClient) -> None:
        """A cursor below zero is refused, naming the field."""
        answer = client.get("/api/v1/doors/feed", params={"after_n": -1})
        assert answer.status_code == 422
        assert "after_n" in answer.text


class TestStreamHeads:
    """Asked for heads, the stream names the log's head after every event it sent."""

    def test_head_follows_the_events(
        self, db: Database, settings: Settings, make_client: MakeClient
    ) -> None:
        """The first head is the log's head; after a new event, a head naming it arrives."""
        ana_in_the_south(db)
        token = str(make_client("guard").headers["authorization"])
        server = LiveServer(create_app(settings, db)).start()
        try:
            with (
                httpx.Client(base_url=server.url, headers={"authorization": token}) as http,
                http.stream("GET", "/api/v1/events/stream", params={"heads": "true"}) as r,
            ):
                lines = r.iter_lines()
                first, _seen = _until_head(lines, 0)
                with db.session_scope(write=False) as s:
                    assert first == last_seq(s)
                    rows_then = rows_head(s)[0]
                with db.session_scope() as s:
                    append_event(s, kind="test.thing.done", actor=Actor.system("t"))
                head, seen = _until_head(lines, first + 1)
                assert head == first + 1
                assert seen == [first + 1]  # the event itself came before the head naming it
                assert rows_then > 0
        finally:
            server.stop()
        assert events_api.HEAD_EVERY <= 0.25


def _until_head(lines: Any, at_least: int) -> tuple[int, list[int]]:
    """Read to the first head naming ``at_least`` or more: (that head, event seqs before it)."""
    kind, seen = "", []
    for line in lines:
        if line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: "):
            data = json.loads(line[6:])
            if kind == "head" and data["head"] >= at_least:
                return int(data["head"]), seen
            if kind != "head":
                seen.append(int(data["seq"]))
        elif not line:
            kind = ""
    raise AssertionError("the stream ended without a head")
