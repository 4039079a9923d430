"""The server's view of its doors: lag in events and ms, and silence, on the console's
airlocks page and in /metrics."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from console.helpers import ConsoleKit
from door.conftest import DoorKit, FakeClock, MakeClient
from door.test_freshness import _place_hold
from muster.config import Settings
from muster.db import Database
from muster.door import health
from muster.web.app import create_app

DOOR = "Door south-door"  # the kit's door account's display name


def _metric(text: str, name: str) -> float:
    found = re.search(rf'^{name}\{{door="{DOOR}",token="[^"]+"\}} (\S+)$', text, re.MULTILINE)
    assert found, text[-2000:]
    return float(found.group(1))


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """The health module's clock, moved by hand, and no doors seen before this test."""
    fake = FakeClock()
    monkeypatch.setattr(health, "_monotonic", fake)
    monkeypatch.setattr(health, "_seen", {})
    return fake


class TestDoorHealth:
    """A following door shows no lag; one reading from behind shows it; a silent one says so."""

    def test_metrics_and_airlocks_page(
        self,
        kit: DoorKit,
        clock: FakeClock,
        make_client: MakeClient,
        settings: Settings,
        db: Database,
    ) -> None:
        """After a read from the start of the record, the lag is every event since, in
        events and in ms; the console says how far behind; silence is named."""
        kit.link.stop()
        _place_hold(make_client, kit.ids["Ana"])
        with TestClient(
            create_app(settings, db), headers={"Authorization": f"Bearer {kit.token}"}
        ) as door:
            assert door.get("/api/v1/doors/feed", params={"after_seq": 0}).status_code == 200
        head = kit.heads()[0]
        admin = make_client("admin")
        text = admin.get("/metrics").text
        assert _metric(text, "muster_door_replica_lag_events") == head
        assert _metric(text, "muster_door_replica_lag_ms") > 0
        assert _metric(text, "muster_door_seconds_since_read") == 0
        console = ConsoleKit(create_app(settings, db), db, [])
        try:
            page = console.signed_in("guard").get("/posts").text
            assert f"Door controller {DOOR}: following, {head} events behind" in page
            clock.advance(health.SILENT_AFTER + 2)
            page = console.signed_in("guard").get("/posts").text
            assert "silent</strong> for 5 s" in page
        finally:
            for client in console.clients:
                client.close()
        assert _metric(admin.get("/metrics").text, "muster_door_seconds_since_read") == 5

    def test_a_guard_is_not_counted_as_a_door(self, kit: DoorKit, make_client: MakeClient) -> None:
        """Only a door's token is tracked: a guard reading the feed leaves no door behind."""
        before = {d.token_id for d in health.doors_seen()}
        assert make_client("guard").get("/api/v1/doors/feed").status_code == 200
        assert {d.token_id for d in health.doors_seen()} == before
