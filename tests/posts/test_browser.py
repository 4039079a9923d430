"""In a real browser: a guard reports from her tablet, the commander's board updates live."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from comms.station import Station
from console.axe import serious_violations
from console.browser import serve, sign_in_page, signed_in_page
from console.helpers import PASSWORD
from muster.auth.service import create_account
from muster.config import Settings
from muster.db import Database
from muster.policy.actor import Actor
from muster.web.app import create_app

pytestmark = pytest.mark.browser


@pytest.fixture
def station_url(db: Database, settings: Settings, crew: Station) -> Iterator[str]:
    """The console serving the comms station, John and Gail able to sign in."""
    with db.session_scope() as session:
        for name, role in (("John", "commander"), ("Gail", "guard")):
            create_account(
                session,
                username=name.lower(),
                display_name=name,
                roles=[role],
                password=PASSWORD,
                actor=Actor.system("test"),
                person_id=crew.persons[name],
            )
    with serve(create_app(settings, db)) as url:
        yield url


@pytest.fixture
def contexts(chromium: Browser, station_url: str) -> Iterator[list[BrowserContext]]:
    """Browser contexts of a test, closed before the server stops."""
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


class TestLiveBoard:
    """The commander's board follows the posts' reports and calls for help without a reload."""

    def test_report_and_help_reach_the_board_live(
        self,
        chromium: Browser,
        station_url: str,
        crew: Station,
        contexts: list[BrowserContext],
    ) -> None:
        """Gail reports a standoff, then calls help; John's overview shows both as they come."""
        john = signed_in_page(chromium, station_url, "john", keep=contexts)
        south_row = john.locator('#post-board tr[data-post="South airlock post"]')
        expect(south_row).to_contain_text("No report yet")
        gail = signed_in_page(chromium, station_url, "gail", keep=contexts)
        gail.goto(f"{station_url}/posts/{crew.portals['South airlock']}")
        form = gail.locator("#report-form-1")
        form.locator('input[name="status"][value="standoff"]').check()
        form.locator('input[name="visitors"]').fill("15")
        form.locator('input[name="text"]').fill("Fifteen visitors face the guards.")
        form.locator("button[type=submit]").click()
        expect(gail.locator("body")).to_contain_text("Report sent: Standoff.")
        expect(south_row).to_contain_text("Standoff")
        expect(south_row).to_contain_text("15 visitors")
        gail.locator("#help-form-1 button").click()
        expect(gail.locator("body")).to_contain_text("Help called")
        first = john.locator("#post-board tbody tr").first
        expect(first).to_have_attribute("data-post", "South airlock post")
        expect(first).to_contain_text("Help needed.")


class TestAccessible:
    """The report form and the board have no serious or critical accessibility violation."""

    def test_form_and_board_pass_axe(
        self,
        chromium: Browser,
        station_url: str,
        crew: Station,
        contexts: list[BrowserContext],
    ) -> None:
        """axe-core finds nothing serious on Gail's post page or on John's overview."""
        for username, path in (
            ("gail", f"/posts/{crew.portals['South airlock']}"),
            ("john", "/"),
        ):
            context = chromium.new_context(bypass_csp=True, viewport={"width": 1024, "height": 768})
            contexts.append(context)
            page = sign_in_page(context.new_page(), station_url, username)
            page.goto(f"{station_url}{path}")
            assert page.locator("#report-form-1, #post-board").count() >= 1
            assert serious_violations(page) == [], username
