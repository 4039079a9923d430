"""Global search, the roll call's filter, sortable lists, shortcuts and print, in a browser."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from muster.access.rollcall import mark_accounted
from muster.config import Settings
from muster.db import Database
from muster.places.service import list_posts
from muster.web.app import create_app

from .browser import serve, signed_in_page
from .domains import Records
from .station import SETUP

pytestmark = pytest.mark.browser


@pytest.fixture
def served(records: Records, db: Database, settings: Settings) -> Iterator[str]:
    """The console serving the small station with every domain's records."""
    with serve(create_app(settings, db)) as url:
        yield url


@pytest.fixture
def opened(chromium: Browser, served: str) -> Iterator[list[BrowserContext]]:
    """Browser contexts of a test, closed before the server stops."""
    contexts: list[BrowserContext] = []
    yield contexts
    for context in contexts:
        context.close()


def as_user(chromium: Browser, url: str, username: str, opened: list[BrowserContext]) -> Page:
    return signed_in_page(chromium, url, username, keep=opened)


def names(page: Page, table: str) -> list[str]:
    return page.locator(f"#{table} tbody tr td:first-child").all_inner_texts()


class TestGlobalSearch:
    """The header's search finds what the role may read, and nothing else."""

    def test_commander_finds_a_person_and_her_case(
        self, chromium: Browser, served: str, opened: list[BrowserContext]
    ) -> None:
        page = as_user(chromium, served, "john", opened)
        page.keyboard.press("/")
        expect(page.locator("#global-search")).to_be_focused()
        page.keyboard.type("Lisa")
        page.keyboard.press("Enter")
        page.wait_for_url("**/search?q=Lisa")
        expect(page.locator("#results-person")).to_contain_text("Lisa")
        expect(page.locator("#results-case")).to_contain_text("Consent case 1: Lisa")
        expect(page.locator("#results-casualty")).to_have_count(0)

    def test_guard_sees_no_welfare_case(
        self, chromium: Browser, served: str, opened: list[BrowserContext]
    ) -> None:
        page = as_user(chromium, served, "priya", opened)
        page.keyboard.press("/")  # from her post: the search page
        page.fill("#search-page-q", "Lisa")
        page.press("#search-page-q", "Enter")
        expect(page.locator("#results-person")).to_contain_text("Lisa")
        expect(page.locator("#search-total")).to_contain_text("1 found")
        expect(page.locator("#results-case")).to_have_count(0)
        expect(page.locator("main")).not_to_contain_text("Consent case")

    def test_medic_finds_a_casualty_by_its_tag(
        self, chromium: Browser, served: str, opened: list[BrowserContext]
    ) -> None:
        page = as_user(chromium, served, "ines", opened)
        page.fill("#global-search", "C-1")
        page.press("#global-search", "Enter")
        expect(page.locator("#results-casualty")).to_contain_text("Casualty C-1: Warrior 01")


class TestRollCallList:
    """The roll call filters by name or place and sorts by column, and stays so live."""

    def test_filter_and_sort_survive_a_live_update(
        self,
        chromium: Browser,
        served: str,
        db: Database,
        opened: list[BrowserContext],
    ) -> None:
        page = as_user(chromium, served, "john", opened)
        page.goto(f"{served}/rollcall")
        page.fill("#rc-reason", "Stand-off at the South airlock")
        page.click("#start-rollcall button[type=submit]")
        expect(page.locator(".notice")).to_contain_text("Roll call started")
        page.fill("#rc-filter", "Resident 24")
        page.press("#rc-filter", "Enter")
        expect(page.locator("#rc-matching")).to_contain_text("match “Resident 24”")
        shown = names(page, "unaccounted")
        assert shown
        assert all(n.startswith("Resident 24") for n in shown)
        header = page.locator("#unaccounted th").first
        header.locator("button.sort").click()
        expect(header).to_have_attribute("aria-sort", "ascending")
        header.locator("button.sort").click()
        expect(header).to_have_attribute("aria-sort", "descending")
        assert names(page, "unaccounted") == sorted(shown, reverse=True)
        with db.session_scope() as session:
            post = list_posts(session, limit=1)[0][0].id
            mark_accounted(session, person_ref=shown[-1], post_id=post, actor=SETUP)
        expect(page.locator(f'#unaccounted tr[data-person="{shown[-1]}"]')).to_have_count(0)
        assert names(page, "unaccounted") == sorted(shown[:-1], reverse=True)
        expect(header).to_have_attribute("aria-sort", "descending")

    def test_event_log_sorts_by_sequence(
        self, chromium: Browser, served: str, opened: list[BrowserContext]
    ) -> None:
        page = as_user(chromium, served, "john", opened)
        page.goto(f"{served}/events")
        seq = page.locator("#event-table th").first
        listed = [int(n) for n in names(page, "event-table")]
        assert len(listed) > 2
        seq.locator("button.sort").click()
        expect(seq).to_have_attribute("aria-sort", "ascending")
        assert [int(n) for n in names(page, "event-table")] == sorted(listed)
        seq.locator("button.sort").click()
        expect(seq).to_have_attribute("aria-sort", "descending")
        assert [int(n) for n in names(page, "event-table")] == sorted(listed, reverse=True)


class TestShortcuts:
    """g-letter opens a page, / searches, ? lists them; nothing fires inside a field."""

    def test_commander_keys(
        self, chromium: Browser, served: str, opened: list[BrowserContext]
    ) -> None:
        page = as_user(chromium, served, "john", opened)
        page.keyboard.press("?")
        help_list = page.locator("#shortcuts-help")
        expect(help_list).to_be_visible()
        expect(help_list).to_contain_text("Go to Airlocks")
        expect(help_list).to_contain_text("Go to Event log")
        page.keyboard.press("Escape")
        expect(help_list).to_be_hidden()
        page.keyboard.press("g")
        page.keyboard.press("p")
        page.wait_for_url(f"{served}/posts")
        page.keyboard.press("g")
        page.keyboard.press("e")
        page.wait_for_url(f"{served}/events")
        page.fill("#f-kind", "")
        page.focus("#f-kind")
        page.keyboard.type("g p?")
        expect(page.locator("#f-kind")).to_have_value("g p?")
        expect(help_list).to_be_hidden()
        assert page.url == f"{served}/events"

    def test_guard_has_only_her_pages(
        self, chromium: Browser, served: str, opened: list[BrowserContext]
    ) -> None:
        page = as_user(chromium, served, "priya", opened)
        # Her post's page keeps its header short: no search box, the keys still work.
        expect(page.locator("#global-search")).to_be_hidden()
        page.keyboard.press("?")
        help_list = page.locator("#shortcuts-help")
        expect(help_list).to_contain_text("Go to My post")
        expect(help_list).not_to_contain_text("Policies")
        expect(help_list).not_to_contain_text("Event log")
        page.click("#shortcuts-close")
        page.keyboard.press("g")
        page.keyboard.press("y")  # the policies page: not hers, so no key opens it
        page.keyboard.press("g")
        page.keyboard.press("r")
        page.wait_for_url(f"{served}/rollcall")
        page.click("#shortcuts-button")  # on other pages the header has its button
        expect(help_list).to_be_visible()
        page.keyboard.press("Escape")
        page.keyboard.press("g")
        page.keyboard.press("o")
        page.wait_for_url("**/posts/**")
        expect(page.locator("body.post")).to_have_count(1)
        page.keyboard.press("/")  # from her post: the search page
        page.wait_for_url(f"{served}/search")
        expect(page.locator("#search-page-q")).to_be_visible()


class TestPrint:
    """On paper: no navigation or controls, black on white, sections on their own pages."""

    def test_roll_call_and_sitrep_print(
        self,
        chromium: Browser,
        served: str,
        records: Records,
        opened: list[BrowserContext],
    ) -> None:
        page = as_user(chromium, served, "john", opened)
        page.goto(f"{served}/rollcall")
        page.emulate_media(media="print")
        expect(page.locator("header.bar")).to_be_hidden()
        expect(page.locator("#start-rollcall")).to_be_hidden()
        expect(page.locator("#unaccounted")).to_be_visible()
        style = "el => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]"
        assert page.locator("#unaccounted td").first.evaluate(style) == [
            "rgb(0, 0, 0)",
            "rgb(255, 255, 255)",
        ]
        page.goto(f"{served}/incidents/{records.incident}/sitrep")
        sections = page.locator("main section.card")
        assert sections.count() >= 2
        breaks = sections.evaluate_all("els => els.map(e => getComputedStyle(e).breakBefore)")
        assert breaks[0] != "page"
        assert set(breaks[1:]) == {"page"}
        expect(page.locator("#situation")).to_be_visible()  # the draft's text prints
        expect(page.locator("#publish-form")).to_be_hidden()
        page.emulate_media(media="screen")
        expect(page.locator("header.bar")).to_be_visible()
