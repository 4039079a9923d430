"""The airlock post view: group requests, decisions with reasons, passages and modes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from muster.db import Database

from .helpers import ConsoleKit, csrf_of, sign_in
from .station import HOLD_REASON, build_small_station, standoff
from .station_clock import StationClock

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


def record_all_form(page: str) -> dict[str, list[str]]:
    """The fields "Record all permitted" sends, from a result page (empty if it has none)."""
    form = re.search(r'<form[^>]*id="record-all-form".*?</form>', page, re.S)
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'name="([^"]+)" value="([^"]*)"', form.group(0) if form else ""):
        fields.setdefault(name, []).append(value)
    return fields


class TestOneTapAndRefusals:
    """Every permitted passage is recorded in one tap; a refusal reads as a refusal."""

    def test_record_all_permitted_in_one_tap(self, station: ConsoleKit) -> None:
        client = sign_in(station.browser(), "priya")
        page = ask(client)
        data = record_all_form(page)
        assert len(data["decision_id"]) == 3
        result = client.get(client.post(f"{POST}/passages", data=data).headers["location"]).text
        assert "Passages recorded: " in result
        assert len(re.findall(r'data-state="passed"', result)) == 3
        assert 'id="record-all-form"' not in result

    def test_a_refused_passage_is_shown_as_a_refusal(
        self, station: ConsoleKit, db: Database
    ) -> None:
        client = sign_in(station.browser(), "priya")
        page = ask(client, badges="W-01")
        data = record_all_form(page)
        standoff(db, at_door=[], held=["Warrior 01"])  # the facts change after the permit
        result = client.get(client.post(f"{POST}/passages", data=data).headers["location"]).text
        assert 'class="notice refusal"' in result
        assert "Passage refused: " in result
        assert 'data-person="Warrior 01" data-allowed="true" data-state="refused"' in result

    def test_a_lapsed_permit_cannot_be_recorded(self, station: ConsoleKit) -> None:
        ahead = StationClock(station.app)
        client = sign_in(TestClient(ahead, follow_redirects=False), "priya")
        station.clients.append(client)
        page = ask(client, badges="W-01")
        data = record_all_form(page)
        ahead.move_on(timedelta(minutes=5, seconds=1))
        later = client.get(_open_request(page)).text
        assert 'data-person="Warrior 01" data-allowed="true" data-state="lapsed"' in later
        assert "Record passage of Warrior 01" not in later
        result = client.get(client.post(f"{POST}/passages", data=data).headers["location"]).text
        assert "Passage refused: no recent unused permit" in result


def _open_request(page: str) -> str:
    """The post view's address with its open request, as the page keeps it."""
    found = re.search(
        r'data-fragment="/fragments/post_request\?portal=([^&]+)&amp;request=([^&]+)&', page
    )
    assert found is not None
    return f"/posts/{found.group(1)}?request={found.group(2)}"


class TestLanding:
    """A guard lands on her own post; the commander on the overview."""

    def test_guard_lands_on_her_post_and_commander_on_the_overview(
        self, station: ConsoleKit
    ) -> None:
        guard = sign_in(station.browser(), "priya").get("/")
        assert guard.status_code == 303
        assert guard.headers["location"].startswith("/posts/")
        commander = sign_in(station.browser(), "john").get("/")
        assert commander.status_code == 200
        assert ">Overview</a>" in commander.text
