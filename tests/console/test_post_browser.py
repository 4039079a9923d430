"""The South airlock moment in a real browser, as the guard sees it on a 1024x768 tablet.

A group of 25 at the door (4 residents held, the other residents without a consent case),
a flash order arriving mid-request and acknowledged without losing the request, a permit
lapsing on the station clock the test moves on, and every permitted passage recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from muster.comms.enums import ChannelKind, Precedence
from muster.comms.groups import PostsRule
from muster.comms.service import create_channel, send_message
from muster.config import Settings
from muster.db import Database
from muster.web.app import create_app

from .browser import serve, sign_in_page
from .station import GROUP_HELD, HOLD_REASON, SETUP, build_group_station
from .station_clock import StationClock

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
TABLET = {"width": 1024, "height": 768}
ORDER = "Hold every resident at the South airlock until the medics arrive."


@pytest.fixture
def station_clock(db: Database, settings: Settings) -> StationClock:
    """The group station's console behind a station clock the test moves on."""
    build_group_station(db)
    return StationClock(create_app(settings, db))


@pytest.fixture
def served(station_clock: StationClock) -> Iterator[str]:
    """The console's address while it is served."""
    with serve(station_clock) as url:
        yield url


@pytest.fixture
def guard(chromium: Browser, served: str) -> Iterator[Page]:
    """Priya, the South airlock's guard, signed in on a tablet with a clock the test runs."""
    context: BrowserContext = chromium.new_context(viewport=TABLET)
    page = context.new_page()
    page.clock.install()
    yield sign_in_page(page, served, "priya")
    context.close()


def flash_order(db: Database) -> None:
    """The commander's flash order to every airlock post."""
    with db.session_scope() as session:
        channel = create_channel(
            session,
            name="Airlock posts",
            kind=ChannelKind.GROUP,
            rule=PostsRule(portal_kind="airlock"),
            actor=SETUP,
        )
        send_message(
            session, channel_id=channel.id, precedence=Precedence.FLASH, text=ORDER, actor=SETUP
        )


# The elements that pass the screen's right edge and are not clipped by a box around them.
WIDER_THAN_SCREEN = """width => {
    const clipped = e => {
        for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
            if (getComputedStyle(a).overflowX !== 'visible') return true;
        }
        return false;
    };
    return [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > width + 0.5 && !clipped(e))
        .map(e => `${e.tagName.toLowerCase()}#${e.id} ${Math.round(
            e.getBoundingClientRect().right)}px: ${(e.textContent || '').trim().slice(0, 60)}`)
        .slice(0, 8);
}"""


def line(page: Page, name: str) -> str:
    """The selector of one person's line of the open request."""
    return f'li.line[data-person="{name}"]'


def ask_everyone(page: Page, expected: int) -> None:
    """Select everyone in the corridor and ask for decisions."""
    page.click('button[data-select="side"][data-value="inside"]')
    expect(page.locator("#picked-count")).to_have_text(str(expected))
    # Asking is a form's submission: wait for the new page's load event, so that what a test
    # measures next is laid out with the stylesheet (the list is in the document before it).
    with page.expect_navigation(wait_until="load"):
        page.click("#ask-button")
    expect(page.locator("li.line")).to_have_count(expected)


class TestTheGuardsPost:
    """The guard lands on her post, selects the group in taps and reads it in a glance."""

    def test_lands_on_her_post_with_only_her_pages(self, guard: Page) -> None:
        expect(guard.locator("h1")).to_contain_text("South airlock")
        nav = guard.locator("header nav a")
        expect(nav).to_have_text(["My post", "Airlocks", "Roll call", "Comms"])

    def test_selects_a_party_and_scans_badges(self, guard: Page) -> None:
        guard.click('button[data-select="group"][data-value="the visiting vessel"]')
        expect(guard.locator("#picked-count")).to_have_text("13")
        for badge in ("B-241", "b-250"):
            guard.fill("#scan", badge)
            guard.press("#scan", "Enter")
        guard.fill("#scan", "X-999")
        guard.press("#scan", "Enter")
        expect(guard.locator("#scan-status")).to_contain_text("not recorded at this airlock")
        expect(guard.locator("#picked-count")).to_have_text("15")
        expect(guard.locator("#badges")).to_have_value("X-999")
        guard.click('button[data-select="none"]')
        expect(guard.locator("#picked-count")).to_have_text("0")


class TestTheSouthAirlockMoment:
    """A group of 25, an order mid-request, a lapsed permit, every passage recorded."""

    def test_group_of_25_order_lapse_and_passages(
        self, guard: Page, db: Database, station_clock: StationClock
    ) -> None:
        ask_everyone(guard, 25)
        expect(guard.locator("#instruction")).to_contain_text("13 may pass, 12 must be held back")
        # Permitted first: the 13 visitors, then the 12 residents held back.
        states = guard.locator("li.line").evaluate_all("els => els.map(e => e.dataset.state)")
        assert states == ["permit"] * 13 + ["deny"] * 12
        for name in GROUP_HELD:
            expect(guard.locator(line(guard, name))).to_contain_text("under hold")
        # One line a person: all 25 on the tablet's screen at once, every target 44 px.
        for box in guard.locator("li.line").evaluate_all(
            "els => els.map(e => e.getBoundingClientRect().bottom)"
        ):
            assert box <= TABLET["height"], "a line of the group is below the fold"
        for height in guard.locator("li.line button, #record-all").evaluate_all(
            "els => els.map(e => e.getBoundingClientRect().height)"
        ):
            assert height >= 40
        # Details on tap: the full reason.
        held = guard.locator(line(guard, GROUP_HELD[0]))
        held.locator("button.who").click()
        expect(held.locator(".why")).to_be_visible()
        expect(held.locator(".why")).to_contain_text(HOLD_REASON)
        guard.evaluate("window.notReloaded = true")

        # A flash order arrives: top of the screen, a tone, the tab's title.
        flash_order(db)
        banner = guard.locator("#post-alerts [data-urgent]")
        expect(banner).to_contain_text(ORDER)
        expect(guard).to_have_title("FLASH ORDER (1) · South airlock post · Muster")
        expect(guard.locator("body")).to_have_attribute("data-tones", "1")
        assert guard.locator("#post-alerts").bounding_box()["y"] < 80  # type: ignore[index]
        guard.click('#post-alerts button[aria-label^="Acknowledge the flash order"]')
        expect(banner).to_have_count(0)
        expect(guard.locator("#notice-area")).to_contain_text("Acknowledged for 1 recipient.")
        expect(guard).to_have_title("South airlock post · Muster")
        # The request is still on screen, its line still open, the page never reloaded.
        expect(guard.locator("li.line")).to_have_count(25)
        expect(held.locator(".why")).to_be_visible()
        assert "request=" in guard.url
        # A report from the post keeps the request too.
        report = guard.locator("#report-form-1")
        report.locator('input[name="status"][value="standoff"]').check()
        report.locator("button[type=submit]").click()
        expect(guard.locator("#notice-area")).to_contain_text("Report sent")
        expect(guard.locator("li.line")).to_have_count(25)

        # One passage, without a reload or a jump to the top.
        guard.locator(line(guard, "Warrior 01")).scroll_into_view_if_needed()
        guard.evaluate("window.scrollTo(0, 40)")
        before = guard.evaluate("window.scrollY")
        guard.click('button[aria-label="Record passage of Warrior 01"]')
        expect(guard.locator(line(guard, "Warrior 01"))).to_have_attribute("data-state", "passed")
        expect(guard.locator("#notice-area")).to_contain_text("Passage recorded: Warrior 01")
        assert guard.evaluate("window.scrollY") == before
        expect(guard.locator("[data-count]")).to_have_text("12")
        guard.evaluate("window.scrollTo(0, 0)")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        guard.screenshot(path=str(SCREENSHOTS / "post-view.png"))

        # The permits lapse: the station clock moves on five minutes.
        station_clock.move_on(timedelta(minutes=5, seconds=1))
        guard.clock.fast_forward("05:01")
        lapsed = guard.locator('li.line[data-state="lapsed"]')
        expect(lapsed).to_have_count(12)
        expect(guard.locator("#record-all-form")).to_be_hidden()
        expect(
            guard.locator('li.line[data-state="lapsed"] button[aria-label^="Record"]')
        ).to_have_count(0)
        # The server agrees: the request, kept in the address, reads lapsed after a reload.
        guard.reload()
        expect(lapsed).to_have_count(12)
        expect(guard.locator(line(guard, "Zane"))).to_contain_text("LAPSED")
        assert guard.evaluate("window.notReloaded") is None  # (only now reloaded, by the test)

        # Ask again; record every permitted passage in one tap.
        ask_everyone(guard, 24)
        expect(guard.locator("#instruction")).to_contain_text("12 may pass, 12 must be held back")
        guard.click("#record-all")
        expect(guard.locator('li.line[data-state="passed"]')).to_have_count(12)
        expect(guard.locator("#notice-area")).to_contain_text("Passages recorded: ")
        expect(guard.locator('li.line[data-state="deny"]')).to_have_count(12)


class TestOnAPhone:
    """On a 390x844 phone the post reads one line a person with nothing off the screen."""

    def test_request_on_a_phone(self, guard: Page) -> None:
        guard.set_viewport_size({"width": 390, "height": 844})
        ask_everyone(guard, 25)
        width = guard.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"off the phone's screen: {guard.evaluate(WIDER_THAN_SCREEN, 390)}"
        heights = guard.locator("li.line").evaluate_all(
            "els => els.map(e => e.getBoundingClientRect().height)"
        )
        assert max(heights) < 60, "a person's line wraps on a phone"
        guard.screenshot(path="/tmp/post-phone.png")
