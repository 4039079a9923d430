"""The domain pages in a real browser (Chromium through Playwright), live over SSE."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from muster.config import Settings
from muster.db import Database
from muster.web.app import create_app

from .browser import serve, signed_in_page
from .domains import build_records
from .station import build_small_station

pytestmark = pytest.mark.browser
SOUTH = "/posts/" + quote("South airlock")
VISITING_IMMEDIATE = '#casualty-counts tr[data-side="visiting"] [data-category="immediate"]'


@pytest.fixture
def domains_url(db: Database, settings: Settings) -> Iterator[str]:
    """The console serving the small station with every later domain's records."""
    build_small_station(db)
    build_records(db)
    with serve(create_app(settings, db)) as url:
        yield url


@pytest.fixture
def pages(chromium: Browser, domains_url: str) -> Iterator[list[BrowserContext]]:
    """Browser contexts of a test, closed before the server stops (no stream left open)."""
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


class TestCasualtyLive:
    """A casualty recorded from the console changes the counts live on another page."""

    def test_record_casualty_counts_change_on_overview(
        self, chromium: Browser, domains_url: str, pages: list[BrowserContext]
    ) -> None:
        watcher = signed_in_page(chromium, domains_url, "olga", keep=pages)
        expect(watcher.locator("#casualties-total")).to_have_text("1")
        expect(watcher.locator(VISITING_IMMEDIATE)).to_have_text("0")
        expect(watcher.locator("body")).to_have_attribute("data-link", "live")
        watcher.evaluate("window.notReloaded = true")

        officer = signed_in_page(chromium, domains_url, "ken", keep=pages)
        officer.goto(f"{domains_url}/medical")
        officer.fill("#cas-description", "Visitor, unidentified, West airlock")
        officer.select_option("#cas-side", "visiting")
        officer.select_option("#cas-walks", "no")
        officer.select_option("#cas-breathing", "yes")
        officer.fill("#cas-rate", "34")
        officer.fill("#cas-found", "West airlock")
        officer.fill("#cas-injuries", "Blade wound")
        officer.click("text=Record casualty")
        expect(officer.locator(".notice")).to_contain_text("Casualty C-2 recorded")

        expect(watcher.locator("#casualties-total")).to_have_text("2")
        expect(watcher.locator(VISITING_IMMEDIATE)).to_have_text("1")
        assert watcher.evaluate("window.notReloaded") is True


class TestPostOrderLive:
    """A guard acknowledges the flash order at the post; the commander's board turns live."""

    def test_acknowledge_at_post_updates_overview(
        self, chromium: Browser, domains_url: str, pages: list[BrowserContext]
    ) -> None:
        command = signed_in_page(chromium, domains_url, "john", keep=pages)
        expect(command.locator("#orders-open-total")).to_have_text("1")
        expect(command.locator("body")).to_have_attribute("data-link", "live")

        post = signed_in_page(chromium, domains_url, "priya", keep=pages)
        post.goto(domains_url + SOUTH)
        expect(post.locator("#post-orders")).to_contain_text("FLASH")
        post.click('button[aria-label^="Acknowledge for South airlock post"]')
        expect(post.locator("#post-orders")).to_contain_text("ACKNOWLEDGED BY SOUTH AIRLOCK POST")

        expect(command.locator("#orders-open-total")).to_have_text("0")


class TestCasualtyChartLive:
    """The casualty picture on the overview is drawn, and drawn again when one is recorded."""

    def test_chart_redrawn_with_the_new_casualty(
        self, chromium: Browser, domains_url: str, pages: list[BrowserContext]
    ) -> None:
        watcher = signed_in_page(chromium, domains_url, "olga", keep=pages)
        plot = watcher.locator("#chart-casualties")
        expect(plot.locator("canvas")).to_have_count(1)
        expect(watcher.locator("#chart-aboard canvas")).to_have_count(1)
        expect(watcher.locator("body")).to_have_attribute("data-link", "live")
        before = int(plot.get_attribute("data-drawn") or "0")
        watcher.evaluate("window.notReloaded = true")

        officer = signed_in_page(chromium, domains_url, "ken", keep=pages)
        officer.goto(f"{domains_url}/medical")
        officer.fill("#cas-description", "Visitor, unidentified, West airlock")
        officer.select_option("#cas-side", "visiting")
        officer.select_option("#cas-walks", "no")
        officer.select_option("#cas-breathing", "yes")
        officer.fill("#cas-rate", "34")
        officer.fill("#cas-found", "West airlock")
        officer.fill("#cas-injuries", "Blade wound")
        officer.click("text=Record casualty")
        expect(officer.locator(".notice")).to_contain_text("Casualty C-2 recorded")

        expect(plot).to_have_attribute("data-drawn", str(before + 1))
        expect(plot.locator("canvas")).to_have_count(1)
        watcher.click("#chart-casualties-caption summary")
        newest = watcher.locator("#chart-casualties-table tbody tr").first
        expect(newest.locator('td[data-label="Immediate"]')).to_have_text("1")
        assert watcher.evaluate("window.notReloaded") is True
