"""axe-core on every page of the console: no serious or critical violation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from muster.config import Settings
from muster.db import Database
from muster.web.app import create_app

from .axe import serious_violations
from .browser import serve, sign_in_page
from .domains import Records

pytestmark = pytest.mark.browser


@pytest.fixture
def served(records: Records, db: Database, settings: Settings) -> Iterator[str]:
    """The console serving the small station with every domain's records."""
    with serve(create_app(settings, db)) as url:
        yield url


@pytest.fixture
def contexts(chromium: Browser, served: str) -> Iterator[list[BrowserContext]]:
    """Browser contexts of a test (axe-core injected past the console's CSP)."""
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def page_for(chromium: Browser, contexts: list[BrowserContext], width: int, height: int) -> Page:
    """A page in a new context of the given size that lets the test inject axe-core."""
    context = chromium.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    contexts.append(context)
    return context.new_page()


class TestAccessibility:
    """Every page the commander and the guard open passes axe-core's serious checks."""

    def test_every_page_of_the_commander(
        self, chromium: Browser, served: str, contexts: list[BrowserContext]
    ) -> None:
        page = page_for(chromium, contexts, 1280, 900)
        page.goto(f"{served}/login")
        found = {"/login": serious_violations(page)}
        sign_in_page(page, served, "john")
        hrefs = page.locator("header nav a").evaluate_all("els => els.map(e => e.pathname)")
        assert len(hrefs) > 8
        for href in [*hrefs, "/posts/South%20airlock", "/search?q=Lisa"]:
            page.goto(served + href)
            expect(page.locator("main h1").first).to_be_visible()
            found[href] = serious_violations(page)
        assert {href: v for href, v in found.items() if v} == {}

    def test_the_guards_post_with_a_request_open(
        self, chromium: Browser, served: str, contexts: list[BrowserContext]
    ) -> None:
        page = sign_in_page(page_for(chromium, contexts, 1024, 768), served, "priya")
        page.click('button[data-select="side"][data-value="inside"]')
        page.click("#ask-button")
        expect(page.locator("li.line").first).to_be_visible()
        page.locator("li.line button.who").first.click()
        assert serious_violations(page) == []


class TestNightMode:
    """The switch turns the console dark, the choice is kept, and it stays readable."""

    def test_switch_kept_across_pages_and_readable(
        self, chromium: Browser, served: str, contexts: list[BrowserContext]
    ) -> None:
        page = sign_in_page(page_for(chromium, contexts, 1280, 900), served, "john")
        light = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
        page.click("#theme-switch")
        expect(page.locator("html")).to_have_attribute("data-theme", "dark")
        expect(page.locator("#theme-switch")).to_have_attribute("aria-pressed", "true")
        assert page.evaluate("getComputedStyle(document.documentElement).backgroundColor") != light
        page.goto(f"{served}/posts/South%20airlock")
        expect(page.locator("html")).to_have_attribute("data-theme", "dark")
        assert serious_violations(page) == []
        page.goto(f"{served}/")
        assert serious_violations(page) == []
