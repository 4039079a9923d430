"""The commander's overview after the crisis replay, in a real browser at four sizes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from muster.config import Settings
from muster.db import Database
from muster.scenario.loader import load_scenario
from muster.scenario.runner import run_plan
from muster.web.app import create_app

from .browser import serve, signed_in_page

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
SIZES = [(1440, 900), (1024, 768), (768, 1024), (390, 844)]
# Every table cell and card whose content is wider than its box, with its text.
CLIPPED = """() => Array.from(document.querySelectorAll("main td, main th, main .card"))
  .filter(el => el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1)
  .map(el => `${el.tagName} ${el.scrollWidth}>${el.clientWidth}: ${el.innerText.slice(0, 60)}`)"""
CARD_TITLES = "() => Array.from(document.querySelectorAll('main .card h2')).map(h => h.innerText)"


@pytest.fixture
def commander(chromium: Browser, db: Database, settings: Settings) -> Iterator[Page]:
    """The commander on the overview after the whole crisis replay."""
    report = run_plan(db, load_scenario(ROOT / "scenarios" / "crisis.yaml"))
    opened: list[BrowserContext] = []
    with serve(create_app(settings, db)) as url:
        page = signed_in_page(chromium, url, "john", report.passwords["john"], keep=opened)
        yield page
        for context in opened:
            context.close()


class TestOverview:
    """Laid out for the crisis: alarms and orders first, nothing clipped at any size."""

    def test_crisis_first_and_nothing_clipped_at_four_sizes(self, commander: Page) -> None:
        titles = commander.evaluate(CARD_TITLES)
        assert titles[:2] == ["Alarms", "Orders not acknowledged"]
        crisis = ["Airlocks", "People under hold", "Casualties"]
        assert [t for t in titles if t in crisis] == crisis
        assert titles.index("Casualties") < titles.index("Persons aboard")
        expect(
            commander.locator('#alarm-list li[data-alarm="Vessel manoeuvre"]').first
        ).to_be_visible()
        # Airlock times carry their date and read newest first.
        for article in commander.locator("article.airlock").all():
            times = article.locator("time").evaluate_all("els => els.map(e => e.dateTime)")
            assert times == sorted(times, reverse=True)
            for shown in article.locator("time").all_inner_texts():
                assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", shown), shown
        # The live feed in words, not raw event kinds.
        for words in commander.locator("#live-feed .what").all_inner_texts():
            assert "." not in words, words
            assert "_" not in words, words
        for width, height in SIZES:
            commander.set_viewport_size({"width": width, "height": height})
            commander.reload()
            expect(commander.locator("#alarms-total")).to_be_visible()
            assert commander.evaluate(CLIPPED) == [], f"clipped at {width}x{height}"
            assert commander.evaluate("document.documentElement.scrollWidth") <= width
            if width == 1440:
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                commander.screenshot(path=str(SCREENSHOTS / "overview.png"), full_page=True)
            if width == 390:
                commander.screenshot(path=str(SCREENSHOTS / "overview-phone.png"))
