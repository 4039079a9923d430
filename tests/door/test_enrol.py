"""Enrolment: a door's token is bound to its portals. Driven as a door that overreaches:
it reads its feed and uploads at its own portals, and gets 403 anywhere else."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from door.conftest import DoorKit
from muster import clock
from muster.auth.service import create_account
from muster.cli.main import app
from muster.config import Settings, get_settings
from muster.db import Database, new_id
from muster.door.enrol import enrol_door
from muster.errors import Invalid, NotFound
from muster.events.chain import format_time
from muster.policy.actor import Actor
from muster.web.app import create_app


def _request_body(kit: DoorKit) -> dict[str, Any]:
    return {
        "request_id": new_id(),
        "direction": "enter",
        "policy_version": "shipped",
        "decided_at": format_time(clock.now()),
        "decisions": [
            {
                "decision_id": new_id(),
                "person_ref": "Bo",
                "person_id": kit.ids["Bo"],
                "allowed": False,
                "rule_ids": ["any.forbid.passback"],
                "explanation": "Denied at the door.",
            }
        ],
    }


SYSTEM = Actor.system("test")


@pytest.fixture
def door_http(kit: DoorKit, settings: Settings, db: Database) -> Iterator[TestClient]:
    """The server's API, signed in with the kit's door token (South airlock, Hospital door)."""
    with TestClient(
        create_app(settings, db), headers={"Authorization": f"Bearer {kit.token}"}
    ) as client:
        yield client


class TestDoorTokenBinding:
    """What a door's token may do, and where."""

    def test_reads_its_feed_and_its_stream(self, door_http: TestClient, kit: DoorKit) -> None:
        """The feed answers; the heads stream sends a head (the door in the kit follows it)."""
        feed = door_http.get("/api/v1/doors/feed")
        assert feed.status_code == 200, feed.text
        assert feed.json()["head"] >= 1
        with (
            httpx.Client(
                base_url=kit.server.url, headers={"Authorization": f"Bearer {kit.token}"}
            ) as http,
            http.stream("GET", "/api/v1/doors/stream") as stream,
        ):
            assert stream.status_code == 200
            lines = stream.iter_lines()
            assert next(line for line in lines if line.startswith("event:")) == "event: head"

    def test_uploads_at_its_own_portals_only(self, door_http: TestClient, kit: DoorKit) -> None:
        """A request uploaded at the South airlock lands (201); at the West airlock, 403 and
        nothing stored; an alert or a passage there is refused the same way."""
        own = _request_body(kit)
        answer = door_http.post(
            f"/api/v1/doors/portals/{kit.ids['South airlock']}/requests",
            json=own,
            headers={"Idempotency-Key": own["request_id"]},
        )
        assert answer.status_code == 201, answer.text
        west = kit.ids["West airlock"]
        other = _request_body(kit)
        refused = [
            door_http.post(
                f"/api/v1/doors/portals/{west}/requests",
                json=other,
                headers={"Idempotency-Key": other["request_id"]},
            ),
            door_http.post(
                f"/api/v1/doors/portals/{west}/alerts",
                json={"about": "passage.refused", "text": "x"},
                headers={"Idempotency-Key": "a-1"},
            ),
            door_http.post(
                f"/api/v1/portals/{west}/passages",
                json={"person": kit.ids["Bo"], "direction": "exit"},
                headers={"Idempotency-Key": "p-1"},
            ),
            door_http.post(
                f"/api/v1/portals/{west}/requests", json={"persons": ["Bo"], "direction": "exit"}
            ),
        ]
        for made_up in ("nonexistent", "00000000-0000-0000-0000-000000000000"):
            # The same refusal where no such portal exists: nothing learned of which do.
            refused += [
                door_http.post(
                    f"/api/v1/doors/portals/{made_up}/requests",
                    json=other,
                    headers={"Idempotency-Key": other["request_id"]},
                ),
                door_http.post(
                    f"/api/v1/doors/portals/{made_up}/alerts",
                    json={"about": "passage.refused", "text": "x"},
                    headers={"Idempotency-Key": "a-2"},
                ),
            ]
        for response in refused:
            assert response.status_code == 403, response.text
            assert "door token is not bound to that portal" in response.json()["detail"]
        stored = door_http.get("/api/v1/doors/feed").json()
        assert other["request_id"] not in str(stored)

    def test_nothing_else(self, door_http: TestClient, kit: DoorKit) -> None:
        """The record, the registry, holds and tokens are all 403 for a door's token."""
        for method, url, body in (
            ("GET", "/api/v1/events", None),
            ("GET", "/api/v1/events/stream", None),
            ("GET", "/api/v1/persons", None),
            ("POST", "/api/v1/holds", {"person": kit.ids["Ana"], "kind": "provisional"}),
            ("PUT", f"/api/v1/portals/{kit.ids['South airlock']}/mode", {"mode": "normal"}),
        ):
            answer = door_http.request(method, url, json=body)
            assert answer.status_code in (403, 422), (url, answer.text)
            if answer.status_code == 422:  # a body the route refuses first is no way in either
                continue
            assert "door token may only" in answer.json()["detail"], url

    def test_enrolment_needs_real_portals(self, db: Database, kit: DoorKit) -> None:
        """An enrolment needs at least one portal, and portals that exist."""
        with db.session_scope() as s:
            with pytest.raises(NotFound, match="Moon gate"):
                enrol_door(s, name="x", username="south-door", portals=["Moon gate"], actor=SYSTEM)
            with pytest.raises(Invalid, match="at least one portal"):
                enrol_door(s, name="y", username="south-door", portals=[], actor=SYSTEM)


@pytest.fixture
def cli_db(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """The test database, named to the CLI through MUSTER_DATABASE_URL, with the local
    administrator's account the CLI acts as and a device account for a second door."""
    with db.session_scope() as s:
        for username, role in (("admin", "admin"), ("west-door", "device")):
            create_account(
                s,
                username=username,
                display_name=username,
                roles=[role],
                password="a long unused password",
                actor=SYSTEM,
            )
    monkeypatch.setenv("MUSTER_DATABASE_URL", db.url)
    get_settings.cache_clear()
    yield db
    get_settings.cache_clear()


class TestEnrolCli:
    """``muster door enrol`` prints a bound token once; mistakes are messages."""

    def test_enrol_prints_a_token_bound_to_the_portals(
        self, cli_db: Database, kit: DoorKit, settings: Settings
    ) -> None:
        """The printed token reads the feed and is refused at the South airlock."""
        result = CliRunner().invoke(
            app,
            ["door", "enrol", "hospital-door", "--user", "west-door", "--portal", "Hospital door"],
        )
        assert result.exit_code == 0, result.output
        assert "Hospital door" in result.output
        secret = re.search(r"(mst_\S+)", result.output).group(1)  # type: ignore[union-attr]
        with TestClient(
            create_app(settings, cli_db), headers={"Authorization": f"Bearer {secret}"}
        ) as http:
            assert http.get("/api/v1/doors/feed").status_code == 200
            body = _request_body(kit)
            answer = http.post(
                f"/api/v1/doors/portals/{kit.ids['South airlock']}/requests",
                json=body,
                headers={"Idempotency-Key": body["request_id"]},
            )
            assert answer.status_code == 403, answer.text

    def test_enrol_at_an_unknown_portal_names_it(self, cli_db: Database, kit: DoorKit) -> None:
        """Exit 1 naming the portal; no token made."""
        result = CliRunner().invoke(
            app, ["door", "enrol", "moon-door", "--user", "south-door", "--portal", "Moon gate"]
        )
        assert result.exit_code == 1
        assert "Moon gate" in result.output
