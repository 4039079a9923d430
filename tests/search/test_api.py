"""``GET /api/v1/search``: each role finds only what it may read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from console.domains import Records, build_records
from console.station import build_small_station
from muster.db import Database

Client = Callable[..., TestClient]


@pytest.fixture
def station(db: Database) -> Records:
    """The small station with a consent case (Lisa), a casualty (Warrior 01) and an order."""
    build_small_station(db)
    return build_records(db)


def found(client: TestClient, q: str) -> dict[str, Any]:
    answer = client.get("/api/v1/search", params={"q": q})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def titles(body: dict[str, Any], kind: str) -> list[str]:
    return [hit["title"] for hit in body["groups"][kind]]


class TestWhoSeesWhat:
    """Results hold only the kinds the caller's role may read; no hint of the others."""

    def test_commander_finds_the_person_and_her_case(
        self, make_client: Client, station: Records
    ) -> None:
        body = found(make_client("commander"), "lisa")
        assert titles(body, "person") == ["Lisa"]
        assert [h["id"] for h in body["groups"]["case"]] == [station.case]
        assert "casualty" not in body["groups"]  # clinical records are the medics'

    def test_guard_sees_no_welfare_case(self, make_client: Client, station: Records) -> None:
        body = found(make_client("guard"), "Lisa")
        assert titles(body, "person") == ["Lisa"]
        assert "case" not in body["groups"]
        assert body["total"] == 1
        assert found(make_client("guard"), "case 1")["groups"].get("case") is None

    def test_medic_finds_a_casualty_by_name_or_tag(
        self, make_client: Client, station: Records
    ) -> None:
        medic = make_client("medic")
        by_name = found(medic, "warrior 01")
        assert [t.split(":")[0] for t in titles(by_name, "casualty")] == ["Casualty C-1"]
        assert titles(found(medic, "C-1"), "casualty") == titles(by_name, "casualty")
        assert "case" not in by_name["groups"]

    def test_orders_by_their_words(self, make_client: Client, station: Records) -> None:
        body = found(make_client("guard"), "may not leave")
        assert [h["id"] for h in body["groups"]["order"]] == [station.message]
        assert body["groups"]["order"][0]["detail"].startswith("FLASH")

    def test_an_account_without_a_station_role_reads_only_the_registry(
        self, make_client: Client, station: Records
    ) -> None:
        body = found(make_client(), "may not leave")  # P6: orders reach station staff only
        assert list(body["groups"]) == ["person"]
        assert body["total"] == 0


class TestBadges:
    """A badge id finds its holder, said to be a badge match."""

    def test_badge(self, make_client: Client, station: Records) -> None:
        commander = make_client("commander")
        people = found(commander, "a")["groups"]["person"]
        badged = next(
            h for h in people if "badge " in h["detail"] and "no badge" not in h["detail"]
        )
        badge = badged["detail"].split(",")[0].removeprefix("badge ")
        hit = found(commander, badge.lower())["groups"]["person"]
        assert hit[0]["id"] == badged["id"]
        assert hit[0]["detail"].startswith("badge match")
        by_prefix = found(commander, badge[:-1])["groups"]["person"]
        assert badged["id"] in [h["id"] for h in by_prefix]


class TestBadInput:
    """An empty, blank or too long search is a 422 saying what to do."""

    @pytest.mark.parametrize("q", ["", "   ", "x" * 201])
    def test_refused(self, make_client: Client, q: str) -> None:
        answer = make_client("commander").get("/api/v1/search", params={"q": q})
        assert answer.status_code == 422
        assert answer.json()["detail"]

    def test_limit_out_of_range(self, make_client: Client) -> None:
        answer = make_client("commander").get("/api/v1/search", params={"q": "a", "limit": 0})
        assert answer.status_code == 422
