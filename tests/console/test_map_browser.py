"""The station map on the overview and on the post, live: redrawn from the event stream."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from muster.config import Settings
from muster.db import Database
from muster.web.app import create_app

from .browser import serve, signed_in_page
from .station import build_small_station

pytestmark = pytest.mark.browser
SOUTH = "/posts/South%20airlock"
SOUTH_ENTRY = '#station-map g.portal-entry[data-mode="{mode}"]'


@pytest.fixture
def served(db: Database, settings: Settings) -> Iterator[str]:
    """The console serving the small station."""
    build_small_station(db)
    with serve(create_app(settings, db)) as url:
        yield url


class TestLiveMap:
    """A mode change made at one post redraws the map on the overview and at the post."""

    def test_lockdown_redraws_both_maps_without_reload(
        self, chromium: Browser, served: str, pages: list[BrowserContext]
    ) -> None:
        overview = signed_in_page(chromium, served, "john", keep=pages)
        guard = signed_in_page(chromium, served, "priya", keep=pages)  # lands on her post
        for page in (overview, guard):
            expect(page.locator("#h-map")).to_have_text("Station map")
            expect(page.locator(SOUTH_ENTRY.format(mode="normal"))).to_contain_text("South airlock")
            expect(page.locator("body")).to_have_attribute("data-link", "live")
            page.evaluate("window.notReloaded = true")
        assert "/posts/" in guard.url
        # The guard may not change the airlock's mode: no control for her.
        expect(guard.locator("#mode-form")).to_have_count(0)

        commander = signed_in_page(chromium, served, "john", keep=pages)
        commander.goto(served + SOUTH)
        commander.select_option("#mode", "lockdown")
        commander.fill("#mode-reason", "Visitors armed at the collar")
        commander.click("#mode-form button[type=submit]")

        for page in (overview, guard):
            expect(page.locator(SOUTH_ENTRY.format(mode="lockdown"))).to_contain_text("LOCKED DOWN")
            expect(page.locator("#station-map .barred-ring")).to_have_count(1)
            assert page.evaluate("window.notReloaded") is True
