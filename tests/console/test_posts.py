"""The airlock post view: group requests, decisions with reasons, passages and modes."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from muster.db import Database

from .helpers import ConsoleKit, csrf_of, sign_in
from .station import HOLD_REASON, build_small_station

POST = "/posts/South airlock"


@pytest.fixture
def station(console: ConsoleKit, db: Database) -> ConsoleKit:
    """The small station with its stand-off at the South airlock."""
    build_small_station(db)
    return console


def ask(client: TestClient, *, direction: str = "exit", badges: str = "") -> str:
    """Ask for every person listed at the post (and ``badges``); return the result page."""
    page = client.get(POST).text
    persons = re.findall(r'name="person" value="([^"]+)"', page)
    response = client.post(
        f"{POST}/requests",
        data={
            "csrf_token": csrf_of(page),
            "direction": direction,
            "person": persons,
            "badges": badges,
        },
    )
    assert response.status_code == 303, response.text
    return client.get(response.headers["location"]).text


class TestGroupRequest:
    """A guard asks for the whole group and reads each person's decision."""

    def test_held_residents_are_denied_with_the_reason(self, station: ConsoleKit) -> None:
        page = ask(sign_in(station.browser(), "priya"))
        assert "3 may pass, 2 must be held back" in page
        denied = re.findall(r'data-person="([^"]+)" data-allowed="false"', page)
        assert sorted(denied) == ["Resident 241", "Resident 242"]
        assert HOLD_REASON.lower() in page.lower()

    def test_badges_can_be_scanned_instead_of_picked(self, station: ConsoleKit) -> None:
        client = sign_in(station.browser(), "priya")
        page = client.get(POST).text
        response = client.post(
            f"{POST}/requests",
            data={"csrf_token": csrf_of(page), "direction": "exit", "badges": "W-01\nB-241"},
        )
        result = client.get(response.headers["location"]).text
        assert 'data-person="Warrior 01" data-allowed="true"' in result
        assert 'data-person="Resident 241" data-allowed="false"' in result

    def test_an_empty_request_is_refused_plainly(self, station: ConsoleKit) -> None:
        client = sign_in(station.browser(), "priya")
        response = client.post(
            f"{POST}/requests", data={"csrf_token": csrf_of(client.get(POST).text)}
        )
        assert "pick at least one person" in client.get(response.headers["location"]).text

    def test_request_without_csrf_is_refused(self, station: ConsoleKit) -> None:
        client = sign_in(station.browser(), "priya")
        response = client.post(f"{POST}/requests", data={"badges": "W-01"})
        assert response.status_code == 403


class TestPassage:
    """A permitted person's passage is recorded once and moves the head counts."""

    def test_record_passage_once(self, station: ConsoleKit) -> None:
        client = sign_in(station.browser(), "priya")
        page = ask(client, badges="W-01")
        decision = re.search(r'name="decision_id" value="([^"]+)"', page)
        assert decision is not None
        form = {"csrf_token": csrf_of(page), "decision_id": decision.group(1)}
        first = client.post(f"{POST}/passages", data=form)
        assert "Passage recorded" in client.get(first.headers["location"]).text
        again = client.post(f"{POST}/passages", data=form)
        assert "already recorded" in client.get(again.headers["location"]).text

    def test_head_count_of_the_party_drops(self, station: ConsoleKit) -> None:
        commander = sign_in(station.browser(), "john")
        before = commander.get("/fragments/headcounts").text
        assert re.search(r'data-party="the visiting vessel">.*?data-aboard>3<', before, re.S)
        guard = sign_in(station.browser(), "priya")
        page = ask(guard, badges="W-01")
        decision = re.search(r'name="decision_id" value="([^"]+)"', page)
        assert decision is not None
        guard.post(
            f"{POST}/passages",
            data={"csrf_token": csrf_of(page), "decision_id": decision.group(1)},
        )
        after = commander.get("/fragments/headcounts").text
        assert re.search(r'data-party="the visiting vessel">.*?data-aboard>2<', after, re.S)


class TestRoles:
    """Each role sees and may do only what the policy allows it."""

    def test_observer_sees_no_request_form_and_cannot_post(self, station: ConsoleKit) -> None:
        client = sign_in(station.browser(), "olga")
        page = client.get(POST).text
        assert 'id="request-form"' not in page
        assert 'id="mode-form"' not in page
        response = client.post(f"{POST}/requests", data={"csrf_token": csrf_of(page)})
        assert response.status_code == 403

    def test_guard_may_ask_but_not_change_the_mode(self, station: ConsoleKit) -> None:
        client = sign_in(station.browser(), "priya")
        page = client.get(POST).text
        assert 'id="request-form"' in page
        assert 'id="mode-form"' not in page
        response = client.post(
            f"{POST}/mode",
            data={"csrf_token": csrf_of(page), "mode": "lockdown", "reason": "test"},
        )
        assert response.status_code == 403

    def test_commander_changes_the_mode_with_a_reason(self, station: ConsoleKit) -> None:
        client = sign_in(station.browser(), "john")
        page = client.get(POST).text
        response = client.post(
            f"{POST}/mode",
            data={"csrf_token": csrf_of(page), "mode": "lockdown", "reason": "Stand-off"},
        )
        assert "now in lockdown mode" in client.get(response.headers["location"]).text
        assert "LOCKDOWN" in client.get("/fragments/airlocks").text

    def test_mode_change_without_reason_is_refused(self, station: ConsoleKit) -> None:
        client = sign_in(station.browser(), "john")
        page = client.get(POST).text
        response = client.post(
            f"{POST}/mode", data={"csrf_token": csrf_of(page), "mode": "lockdown", "reason": ""}
        )
        assert "Refused" in client.get(response.headers["location"]).text
        assert "NORMAL" in client.get(POST).text
