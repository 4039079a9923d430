"""The console in a real browser (Chromium through Playwright), live over SSE."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from muster.access.policy_store import policy_text_of
from muster.config import Settings
from muster.db import Database
from muster.scenario.loader import load_scenario
from muster.scenario.runner import run_plan
from muster.web.app import create_app

from .browser import serve, signed_in_page
from .helpers import PASSWORD
from .station import HOLD_REASON, standoff

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
SOUTH = "/posts/" + quote("South airlock")


def party_aboard(_page: Page) -> str:
    """The visiting vessel's 'aboard' cell on the overview."""
    return '#counts-party tr[data-party="the visiting vessel"] [data-aboard]'


class TestSignIn:
    """An operator signs in and sees the overview; a wrong password is named."""

    def test_wrong_password_then_overview(
        self, chromium: Browser, small_station_url: str, contexts: list[BrowserContext]
    ) -> None:
        contexts.append(chromium.new_context())
        page = contexts[0].new_page()
        page.goto(f"{small_station_url}/")
        page.fill("#username", "john")
        page.fill("#password", "not the password")
        page.click("button[type=submit]")
        expect(page.locator("#login-error")).to_contain_text("Wrong username or password")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        expect(page.locator("h1")).to_have_text("Overview")
        expect(page.locator("#aboard-total")).to_have_text("5")
        expect(page.locator("#holds-total")).to_have_text("2")
        expect(page.locator("body")).to_have_attribute("data-link", "live")


class TestSouthAirlock:
    """A guard asks for the group; held residents are denied; passages show live elsewhere."""

    def test_group_request_passages_and_live_counts(
        self, chromium: Browser, small_station_url: str, contexts: list[BrowserContext]
    ) -> None:
        command = signed_in_page(chromium, small_station_url, "john", keep=contexts)
        expect(command.locator(party_aboard(command))).to_have_text("3")
        command.evaluate("window.notReloaded = true")

        post = signed_in_page(chromium, small_station_url, "priya", keep=contexts)
        post.goto(small_station_url + SOUTH)
        boxes = post.locator("#pick-list input[type=checkbox]")
        expect(boxes).to_have_count(5)
        for i in range(boxes.count()):
            boxes.nth(i).check()
        post.click("text=Ask for decisions")
        expect(post.locator("#instruction")).to_contain_text("3 may pass, 2 must be held back")
        denied = post.locator('li.decision[data-allowed="false"]')
        expect(denied).to_have_count(2)
        for name in ("Resident 241", "Resident 242"):
            row = post.locator(f'li.decision[data-person="{name}"]')
            expect(row).to_contain_text("DENIED")
            expect(row).to_contain_text(HOLD_REASON)

        post.click('button[aria-label="Record passage of Warrior 01"]')
        expect(post.locator(".notice")).to_contain_text("Passage recorded: Warrior 01")
        expect(command.locator(party_aboard(command))).to_have_text("2")
        post.click('button[aria-label="Record passage of Zane"]')
        expect(command.locator(party_aboard(command))).to_have_text("1")
        assert command.evaluate("window.notReloaded") is True

    def test_commander_changes_the_mode(
        self, chromium: Browser, small_station_url: str, contexts: list[BrowserContext]
    ) -> None:
        page = signed_in_page(chromium, small_station_url, "john", keep=contexts)
        page.goto(small_station_url + SOUTH)
        expect(page.locator("#portal-mode")).to_have_text("NORMAL")
        page.select_option("#mode", "lockdown")
        page.fill("#mode-reason", "Stand-off at the South airlock")
        page.click("text=Change mode")
        expect(page.locator("#portal-mode")).to_have_text("LOCKDOWN")
        expect(page.locator(".notice")).to_contain_text("now in lockdown mode")


class TestPolicies:
    """A faulty draft is refused with its problems; a what-if lists who would change."""

    def test_faulty_draft_is_refused(
        self, chromium: Browser, small_station_url: str, contexts: list[BrowserContext]
    ) -> None:
        page = signed_in_page(chromium, small_station_url, "john", keep=contexts)
        page.goto(f"{small_station_url}/policies")
        page.locator("#policy-text-editor .cm-content").fill(
            'permit (principal, action == Action::"exit", resource);'
        )
        page.fill("#policy-comment", "a rule without an id")
        page.click("#save-policy")
        expect(page.locator("#policy-problems")).to_contain_text("Refused")
        expect(page.locator("#policy-problems")).to_contain_text("@id")
        expect(page.locator("#history")).to_contain_text("No version saved yet")

    def test_whatif_lists_who_would_change(
        self,
        chromium: Browser,
        small_station_url: str,
        db: Database,
        contexts: list[BrowserContext],
    ) -> None:
        with db.session_scope(write=False) as session:
            _version, active = policy_text_of(session, "active")
        page = signed_in_page(chromium, small_station_url, "john", keep=contexts)
        page.goto(f"{small_station_url}/policies")
        page.locator("#policy-text-editor .cm-content").fill(
            active + '\n@id("test.visitors.stay")\n'
            'forbid (principal, action == Action::"exit", resource)\n'
            'when { principal.affiliation == "visitor" };\n',
        )
        page.click("#run-whatif")
        expect(page.locator("#whatif-summary")).to_contain_text("would be decided differently")
        expect(page.locator('#whatif-changes tr[data-person="Bahati"]').first).to_be_visible()
        expect(page.locator('#whatif-changes tr[data-person="Resident 241"]')).to_have_count(0)


class TestCrisisReplay:
    """During the crisis replay, the held residents are denied at the South airlock."""

    def test_held_residents_denied(
        self, chromium: Browser, db: Database, settings: Settings
    ) -> None:
        report = run_plan(db, load_scenario(ROOT / "scenarios" / "crisis.yaml"))
        residents = [f"Resident {n}" for n in range(241, 253)]
        visitors = ["Bahati", "Zane", *(f"Warrior {n:02d}" for n in range(1, 14))]
        standoff(db, at_door=[*visitors, *residents], held=residents)
        opened: list[BrowserContext] = []
        with serve(create_app(settings, db)) as url:
            command = signed_in_page(chromium, url, "john", report.passwords["john"], keep=opened)
            post = signed_in_page(chromium, url, "priya", report.passwords["priya"], keep=opened)
            post.set_viewport_size({"width": 1024, "height": 1366})
            post.goto(url + SOUTH)
            boxes = post.locator("#pick-list input[type=checkbox]")
            for i in range(boxes.count()):
                boxes.nth(i).check()
            post.click("text=Ask for decisions")
            # The replay's later scenes change who may pass; the held residents never may.
            expect(post.locator("#instruction")).to_contain_text("must be held back")
            for name in residents:
                row = post.locator(f'li.decision[data-person="{name}"]')
                expect(row).to_contain_text("DENIED")
            before = int(command.locator(party_aboard(command)).inner_text())
            post.click('button[aria-label="Record passage of Warrior 01"]')
            expect(post.locator(".notice")).to_contain_text("Passage recorded")
            expect(command.locator(party_aboard(command))).to_have_text(str(before - 1))
            for context in opened:
                context.close()
