"""The server's side of doors over HTTP: the feed and the uploads, as the roles that would
abuse them."""

from __future__ import annotations

import json
from typing import Any

import httpx
from fastapi.testclient import TestClient

from access.station import build_station
from door.conftest import LiveServer, MakeClient
from muster.auth import service as auth_service
from muster.config import Settings
from muster.db import Database
from muster.events import api as events_api
from muster.events.rows import rows_head
from muster.events.service import append_event, last_seq
from muster.people.enums import Affiliation
from muster.policy.actor import Actor
from muster.web.app import create_app


def _station(db: Database) -> dict[str, str]:
    with db.session_scope() as s:
        st = build_station(s)
        st.add_person("Ana", Affiliation.RESIDENT, zone="south")
        return {"portal": st.portals["South airlock"].id, "ana": st.persons["Ana"].id}


def _upload(ana: str, request_id: str = "r-1", **change: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "request_id": request_id,
        "direction": "exit",
        "policy_version": "shipped",
        "decided_at": "2026-01-01T00:00:00+00:00",
        "decisions": [
            {
                "decision_id": f"{request_id}-d",
                "person_ref": "Ana",
                "person_id": ana,
                "allowed": False,
                "rule_ids": [],
                "explanation": "Denied",
            }
        ],
    }
    body.update(change)
    return body


class TestFeed:
    """The feed gives a door what its decisions read, and nothing it may not see."""

    def test_other_tables_and_hidden_events_come_as_hashes(
        self, db: Database, make_client: MakeClient
    ) -> None:
        """Accounts and tokens carry no image; an event the guard may not read has no body."""
        _station(db)
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
        ids = _station(db)
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


class TestUploads:
    """An upload lands once, only for a known person, with its key, by whom may ask."""

    def test_retry_records_nothing_more(self, db: Database, make_client: MakeClient) -> None:
        """The first upload is 201; the same key again is 200 with nothing recorded."""
        ids = _station(db)
        guard = make_client("guard")
        url = f"/api/v1/doors/portals/{ids['portal']}/requests"
        first = guard.post(url, json=_upload(ids["ana"]), headers={"Idempotency-Key": "r-1"})
        again = guard.post(url, json=_upload(ids["ana"]), headers={"Idempotency-Key": "r-1"})
        assert (first.status_code, first.json()["recorded"]) == (201, 1)
        assert (again.status_code, again.json()["recorded"]) == (200, 0)

    def test_bad_uploads_say_what_to_fix(self, db: Database, make_client: MakeClient) -> None:
        """A key other than the request id, an unknown person, a future time: 422."""
        ids = _station(db)
        guard = make_client("guard")
        url = f"/api/v1/doors/portals/{ids['portal']}/requests"
        wrong_key = guard.post(url, json=_upload(ids["ana"]), headers={"Idempotency-Key": "x"})
        assert wrong_key.status_code == 422
        assert "Idempotency-Key" in wrong_key.json()["detail"]
        stranger = guard.post(
            url, json=_upload("no-such-person", "r-2"), headers={"Idempotency-Key": "r-2"}
        )
        assert stranger.status_code == 422
        assert "not on the register" in stranger.json()["detail"]
        future = _upload(ids["ana"], "r-3", decided_at="2999-01-01T00:00:00+00:00")
        late = guard.post(url, json=future, headers={"Idempotency-Key": "r-3"})
        assert late.status_code == 422
        assert "clock" in late.json()["detail"]
        naive = _upload(ids["ana"], "r-4", decided_at="2026-01-01T00:00:00")
        unzoned = guard.post(url, json=naive, headers={"Idempotency-Key": "r-4"})
        assert unzoned.status_code == 422
        assert "decided_at" in unzoned.json()["detail"]

    def test_observer_may_not_upload(self, db: Database, make_client: MakeClient) -> None:
        """An observer's account is refused (403) and nothing is recorded."""
        ids = _station(db)
        observer = make_client("observer")
        answer = observer.post(
            f"/api/v1/doors/portals/{ids['portal']}/requests",
            json=_upload(ids["ana"]),
            headers={"Idempotency-Key": "r-1"},
        )
        assert answer.status_code == 403
        guard = make_client("guard")
        decisions = guard.get(f"/api/v1/portals/{ids['portal']}/decisions").json()
        assert decisions == []


class TestStreamHeads:
    """Asked for heads, the stream names the log's head after every event it sent."""

    def test_head_follows_the_events(
        self, db: Database, settings: Settings, make_client: MakeClient
    ) -> None:
        """The first head is the log's head; after a new event, a head naming it arrives."""
        _station(db)
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
