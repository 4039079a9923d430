"""In a real browser: a guard reports from her tablet, the commander's board updates live."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from comms.station import Station
from console.axe import serious_violations
from console.browser import serve, sign_in_page, signed_in_page
from console.helpers import PASSWORD
from harness.threaded import serving
from muster.auth.service import create_account
from muster.config import Settings
from muster.db import Database
from muster.policy.actor import Actor
from muster.web.app import create_app

pytestmark = pytest.mark.browser


def _accounts(db: Database, crew: Station) -> None:
    """John (commander) and Gail (South guard) able to sign in."""
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


@pytest.fixture
def station_url(db: Database, settings: Settings, crew: Station) -> Iterator[str]:
    """The console serving the comms station, John and Gail able to sign in."""
    _accounts(db, crew)
    with serve(create_app(settings, db)) as url:
        yield url


@pytest.fixture
def handset_url(db: Database, settings: Settings, crew: Station) -> Iterator[str]:
    """The station served with its handset socket (the console's server has none)."""
    _accounts(db, crew)
    with serving(create_app(settings, db, run_scheduler=False), timeout_graceful_shutdown=1) as url:
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


class TestForceFromThePostPage:
    """Force used is reported from the console's post page, with the weapon from custody."""

    def test_gail_reports_force_with_her_rifle(
        self,
        db: Database,
        chromium: Browser,
        station_url: str,
        crew: Station,
        contexts: list[BrowserContext],
    ) -> None:
        """Gail opens "Force used", names her rifle and the outcome; John's board reads
        "Force used" and the incident's timeline names her, the count and the rifle."""
        from posts.conftest import rifle_out_to

        rifle_out_to(db, crew, "Gail", "RF-21")
        john = signed_in_page(chromium, station_url, "john", keep=contexts)
        with db.session_scope() as session:
            from muster.incidents.schemas import IncidentCreate
            from muster.incidents.service import declare_incident

            incident = declare_incident(
                session,
                data=IncidentCreate(
                    title="Visiting party at the South airlock",
                    kind="security",
                    severity="critical",
                    location="South airlock",
                    commander_id=crew.persons["John"],
                ),
                actor=Actor.system("test"),
            ).id
        gail = signed_in_page(chromium, station_url, "gail", keep=contexts)
        gail.goto(f"{station_url}/posts/{crew.portals['South airlock']}")
        form = gail.locator("#report-form-1")
        form.locator('input[name="status"][value="force_used"]').check()
        form.locator("summary").click()
        form.get_by_label("Against how many").fill("3")
        form.get_by_label("Weapon serial (from custody)").fill("RF-21")
        form.get_by_label("Outcome").fill("The visitors fell back from the airlock.")
        form.locator("button[type=submit]").click()
        expect(gail.locator("body")).to_contain_text("Report sent: Force used.")
        south_row = john.locator('#post-board tr[data-post="South airlock post"]')
        expect(south_row).to_contain_text("Force used")
        john.goto(f"{station_url}/incidents/{incident}")
        expect(john.locator("body")).to_contain_text(
            "Force used at South airlock post by Gail against 3 persons with Rifle RF-21"
        )


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


class TestHandsetPage:
    """The handset page at a post reports in a few taps and calls help in one."""

    def test_gail_reports_and_calls_help_from_her_handset(
        self,
        db: Database,
        chromium: Browser,
        handset_url: str,
        crew: Station,
    ) -> None:
        """Her token is bound to the South airlock channel: the page offers the South post,
        files a standoff with its counts, then pages for help; the board shows both."""
        from muster.auth.service import create_token
        from muster.comms.enums import ChannelKind
        from muster.comms.groups import PostsRule
        from muster.comms.service import create_channel

        system = Actor.system("test")
        with db.session_scope() as session:
            south = create_channel(
                session,
                name="South airlock",
                kind=ChannelKind.GROUP,
                rule=PostsRule(portal_id=crew.portals["South airlock"]),
                actor=system,
            )
            _token, secret = create_token(
                session,
                name="gail-handset",
                username="gail",
                scopes=[],
                actor=system,
                channel_ids=[south.id],
            )
        contexts: list[BrowserContext] = []
        try:
            self._report_and_help(chromium, handset_url, secret, contexts)
        finally:
            for context in contexts:
                context.close()

    def _report_and_help(
        self, chromium: Browser, url: str, secret: str, contexts: list[BrowserContext]
    ) -> None:
        phone = {"width": 412, "height": 915}
        context = chromium.new_context(viewport=phone, bypass_csp=True)  # bypass: axe below
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{url}/handset?token={secret}")
        expect(page.locator("#status")).to_contain_text("Connected")
        panel = page.locator("#post-report")
        expect(panel).to_be_visible()
        expect(page.locator("#post option")).to_have_text(["South airlock post"])
        assert serious_violations(page) == []
        panel.get_by_label("Standoff").check()
        panel.get_by_label("Visitors seen").fill("15")
        panel.get_by_label("Armed").fill("15")
        panel.get_by_label("In words").fill("Fifteen visitors face the guards.")
        panel.get_by_role("button", name="Send report").click()
        expect(page.locator("#report-result")).to_contain_text("Report sent: standoff")
        panel.get_by_role("button", name="Help needed").click()
        expect(page.locator("#report-result")).to_contain_text("Help called")
        john = signed_in_page(chromium, url, "john", keep=contexts)
        first = john.locator("#post-board tbody tr").first
        expect(first).to_have_attribute("data-post", "South airlock post")
        expect(first).to_contain_text("Standoff")
        expect(first).to_contain_text("15 visitors")
        expect(first).to_contain_text("Help needed.")
