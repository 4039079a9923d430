"""The policy editor in a real browser: errors at their line, proofs, progress, refusals."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect
from sqlalchemy import select

from muster.access.policy_store import save_version
from muster.db import Database
from muster.events.models import Event
from muster.policy.actor import Actor
from muster.policy.engine import shipped_policy_text

from .browser import sign_in_page, signed_in_page

pytestmark = pytest.mark.browser
EDITOR = "#policy-text-editor .cm-content"
# Lets everyone out: fails the safety property "held-never-exits".
LEAKY = '@id("let.everyone.out")\npermit (principal, action == Action::"exit", resource);\n'
BROKEN = (
    '@id("fine")\npermit (principal, action == Action::"exit", resource);\n\n'
    '@id("broken")\nforbid (principal, action == Action::"exit", resource)\n'
    "when { principal.held == };\n"
)
UNKNOWN_ATTRIBUTE = (
    '@id("typo")\nforbid (principal, action == Action::"exit", resource)\n'
    "when { principal.helt };\n"
)


def write(page: Page, text: str) -> None:
    """Replace the editor's text as an operator typing or pasting would."""
    page.locator(EDITOR).fill(text)


@pytest.fixture
def editor(chromium: Browser, small_station_url: str, contexts: list[BrowserContext]) -> Page:
    """The commander on the policies page, the editor ready."""
    page = signed_in_page(chromium, small_station_url, "john", keep=contexts)
    page.goto(f"{small_station_url}/policies")
    return page


def save_leaky(db: Database) -> None:
    """Version 1: the leaky policy, saved (it validates) but not active."""
    with db.session_scope(write=True) as session:
        save_version(session, policy_text=LEAKY, comment="leaky", actor=Actor.system("t"))


class TestErrorsAtTheirLine:
    """A draft that does not parse or validate names the line and column, underlined."""

    def test_parse_error_is_underlined_at_its_line(self, editor: Page) -> None:
        page = editor
        write(page, BROKEN)
        page.fill("#policy-comment", "a broken rule")
        page.click("#save-policy")
        problems = page.locator("#policy-problems")
        expect(problems).to_contain_text("line 6, column 26")
        expect(problems).to_contain_text("unexpected token")
        # The editor keeps the draft and underlines the token on line 6.
        mark = page.locator("#policy-text-editor .cm-lintRange-error")
        expect(mark).to_have_count(1)
        expect(mark).to_have_text("}")
        line_six = page.locator("#policy-text-editor .cm-line").nth(5)
        expect(line_six).to_contain_text("principal.held ==")
        assert line_six.locator(".cm-lintRange-error").count() == 1
        expect(page.locator("#history")).to_contain_text("No version saved yet")

    def test_unknown_attribute_points_at_its_name(self, editor: Page) -> None:
        page = editor
        write(page, UNKNOWN_ATTRIBUTE)
        page.click("#run-tests")
        expect(page.locator("#policy-problems")).to_contain_text("line 3, column 18")
        # Typing in the editor is typing, not shortcuts.
        page.locator(EDITOR).press("End")
        page.keyboard.type("g e/?")
        expect(page.locator(".cm-line").nth(2)).to_contain_text("helt };g e/?")
        expect(page.locator("#shortcuts-help")).to_be_hidden()
        assert page.url.endswith("/policies")
        expect(page.locator("#policy-text-editor .cm-lintRange-error").first).to_have_text("helt")

    def test_without_javascript_the_textarea_and_the_marked_line(
        self, chromium: Browser, small_station_url: str, contexts: list[BrowserContext]
    ) -> None:
        context = chromium.new_context(java_script_enabled=False)
        contexts.append(context)
        page = sign_in_page(context.new_page(), small_station_url, "john")
        page.goto(f"{small_station_url}/policies")
        page.fill("#policy-text", BROKEN)
        page.fill("#policy-comment", "a broken rule")
        page.click("#save-policy")
        excerpt = page.locator("#policy-problems pre.excerpt")
        expect(excerpt).to_contain_text("line 6")
        expect(excerpt.locator("mark")).to_have_text("}")
        expect(page.locator("#policy-text")).to_have_value(BROKEN)


class TestProve:
    """Prove lists every safety property; a failed one shows its counterexample."""

    def test_leaky_draft_fails_held_never_exits(self, editor: Page) -> None:
        page = editor
        write(page, LEAKY)
        page.click("#prove-draft")
        failed = page.locator('#proof-results tr[data-property="held-never-exits"]')
        expect(failed).to_have_attribute("data-status", "failed")
        expect(failed.locator(".counterexample")).to_contain_text("let.everyone.out")
        expect(page.locator("#proof-summary")).to_contain_text("failed")

    def test_whatif_shows_progress_while_it_runs(self, editor: Page) -> None:
        page = editor
        held: list[Route] = []
        page.route("**/policies/check", lambda route: held.append(route))
        page.click("#run-whatif", no_wait_after=True)  # the answer is held back above
        progress = page.locator("#check-progress")
        expect(progress).to_be_visible()
        expect(progress).to_contain_text("Replaying")
        held[0].continue_()
        expect(page.locator("#whatif-summary")).to_contain_text("would be decided differently")
        expect(progress).to_be_hidden()


class TestActivationRefused:
    """A version that fails a proof is refused whole, in red; a guard may not activate."""

    def test_refusal_is_shown_whole_in_red(
        self,
        chromium: Browser,
        small_station_url: str,
        db: Database,
        contexts: list[BrowserContext],
    ) -> None:
        save_leaky(db)
        page = signed_in_page(chromium, small_station_url, "john", keep=contexts)
        page.goto(f"{small_station_url}/policies")
        page.click('button[aria-label="Activate version 1"]')
        refused = page.locator("#activation-refused")
        expect(refused).to_contain_text("Refused: version 1 was not activated")
        expect(refused).to_contain_text("held-never-exits")
        expect(refused).to_contain_text("the commander may override with a written reason")
        colour = refused.locator("p.error").evaluate("el => getComputedStyle(el).color")
        assert colour == "rgb(164, 22, 26)"
        row = refused.locator('tr[data-property="held-never-exits"]')
        expect(row).to_have_attribute("data-status", "failed")
        expect(page.locator("#active-version")).to_contain_text("shipped with Muster")

    def test_commander_overrides_with_a_reason(
        self,
        chromium: Browser,
        small_station_url: str,
        db: Database,
        contexts: list[BrowserContext],
    ) -> None:
        # The shipped policy without its rule that holds the held back: operators keep
        # their rights, and held-never-exits fails.
        text = re.sub(r'@id\("exit\.forbid\.held"\)[^;]*;', "", shipped_policy_text())
        with db.session_scope(write=True) as session:
            save_version(session, policy_text=text, comment="no hold rule", actor=Actor.system("t"))
        page = signed_in_page(chromium, small_station_url, "john", keep=contexts)
        page.goto(f"{small_station_url}/policies")
        page.click('button[aria-label="Activate version 1"]')
        expect(page.locator("#activation-refused")).to_contain_text("held-never-exits")
        page.fill("#override-reason", "Evacuation: everyone must be able to leave")
        page.click("#override-activate")
        expect(page.locator(".notice")).to_contain_text("Version 1 is now the active policy")
        with db.session_scope(write=False) as session:
            alert = session.scalars(
                select(Event).where(Event.kind == "access.alert").order_by(Event.seq.desc())
            ).first()
        assert alert is not None
        assert alert.payload["reason"] == "Evacuation: everyone must be able to leave"
        assert alert.payload["failed"] == ["held-never-exits"]

    def test_guard_cannot_activate(
        self,
        chromium: Browser,
        small_station_url: str,
        db: Database,
        contexts: list[BrowserContext],
    ) -> None:
        save_leaky(db)
        page = signed_in_page(chromium, small_station_url, "priya", keep=contexts)
        page.goto(f"{small_station_url}/policies")
        expect(page.locator("#history")).to_contain_text("leaky")
        expect(page.locator('button[aria-label="Activate version 1"]')).to_have_count(0)
        expect(page.locator("#policy-form")).to_have_count(0)
        csrf = page.locator("input[name=csrf_token]").first.get_attribute("value")
        answer = page.request.post(
            f"{small_station_url}/policies/1/activate", form={"csrf_token": csrf or ""}
        )
        assert answer.status == 403
        page.goto(f"{small_station_url}/policies")
        expect(page.locator("#active-version")).to_contain_text("shipped with Muster")
