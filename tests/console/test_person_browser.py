"""A person's page in a real browser: every missing value in words, every control inside
its card at the four sizes, and only the controls the operator's role may use."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from muster.config import Settings
from muster.db import Database
from muster.people.service import find_person
from muster.web.app import create_app

from .browser import serve, signed_in_page
from .layout import SIZES, misfits, none_words
from .station import build_small_station

pytestmark = pytest.mark.browser


@pytest.fixture
def served(db: Database, settings: Settings) -> Iterator[tuple[str, Database]]:
    """The console serving the small station."""
    build_small_station(db)
    with serve(create_app(settings, db)) as url:
        yield url, db


def person_url(url: str, db: Database, name: str) -> str:
    """The address of a person's page."""
    with db.session_scope(write=False) as session:
        return f"{url}/people/{find_person(session, name).id}"


def check_every_size(page: Page, address: str) -> None:
    """No "None" and nothing outside its card, at each of the four sizes."""
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(address)
        expect(page.locator("main h1")).to_be_visible()
        assert none_words(page) == [], f"'None' at {width}x{height}"
        assert misfits(page) == [], f"outside its card at {width}x{height}"
        assert page.evaluate("document.documentElement.scrollWidth") <= width


class TestPersonPage:
    """What the commander reads of a person with nothing recorded, and of one held."""

    def test_missing_values_in_words_and_controls_fit_at_four_sizes(
        self, chromium: Browser, served: tuple[str, Database], pages: list[BrowserContext]
    ) -> None:
        url, db = served
        commander = signed_in_page(chromium, url, "john", keep=pages)
        lisa = person_url(url, db, "Lisa")  # no party, no badge, no roles, no place
        commander.goto(lisa)
        facts = commander.locator("dl.facts")
        expect(facts).to_contain_text("Not in a party")
        expect(facts).to_contain_text("No badge issued")
        expect(facts).to_contain_text("No station roles")
        expect(commander.locator("#person-place")).to_have_text("Not known")
        # A hold placed and lifted from the page: the lifted row reads whole.
        commander.select_option("#hold-kind", "provisional")
        commander.fill("#hold-reason", "Seen with the boarding party")
        commander.click("#place-hold-form button[type=submit]")
        expect(commander.locator(".notice")).to_contain_text("Provisional hold placed on Lisa")
        commander.locator("#person-holds input[name=reason]").fill("Cleared by the commander")
        commander.click("#person-holds button:text('Lift hold')")
        expect(commander.locator(".notice")).to_contain_text("Provisional hold lifted")
        expect(commander.locator("#person-holds")).to_contain_text(
            re.compile(r"lifted \d{4}-\d\d-\d\d \d\d:\d\d:\d\d by .+: Cleared by the commander")
        )
        check_every_size(commander, lisa)
        check_every_size(commander, person_url(url, db, "Resident 241"))  # held, badge, place

    def test_guard_sees_no_hold_or_pass_controls(
        self, chromium: Browser, served: tuple[str, Database], pages: list[BrowserContext]
    ) -> None:
        url, db = served
        guard = signed_in_page(chromium, url, "priya", keep=pages)
        guard.goto(person_url(url, db, "Resident 241"))
        expect(guard.locator("#person-holds")).to_contain_text("HELD")
        expect(guard.locator("#place-hold-form")).to_have_count(0)
        expect(guard.locator("#duty-pass-form")).to_have_count(0)
        expect(guard.locator("#person-holds form")).to_have_count(0)
        assert none_words(guard) == []
