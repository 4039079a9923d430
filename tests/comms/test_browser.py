"""Two handset pages in Chromium: a text and a recorded clip go from one to the other."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from comms.station import build_station
from harness.threaded import serving
from muster.config import Settings
from muster.db import Database

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists() and os.environ.get("MUSTER_REQUIRE_BROWSER") != "1",
        reason="Chromium is not installed (apt-get install -y chromium)",
    ),
]


@pytest.fixture
def server(db: Database, settings: Settings) -> Iterator[str]:
    """The app served by uvicorn in a background thread; its base URL."""
    if not db.is_sqlite:
        pytest.skip("the browser test runs once, on SQLite")
    from muster.web.app import create_app

    with serving(create_app(settings, db, run_scheduler=False)) as url:
        yield url


class TestHandsetPages:
    """What one handset page sends, text or voice, shows up and plays on the other."""

    def test_text_and_clip(
        self, server: str, db: Database, make_client: Callable[..., TestClient]
    ) -> None:
        """Tara types, then talks; Wes's page shows the text and plays the clip."""
        from playwright.sync_api import sync_playwright

        with db.session_scope() as session:
            crew = build_station(session)
        john = make_client("commander", person_id=crew.persons["John"])
        rule = {"kind": "posts", "portal_id": crew.portals["West airlock"]}
        john.post(
            "/api/v1/comms/channels", json={"name": "West airlock", "kind": "group", "rule": rule}
        )
        tokens = {}
        for name in ("Tara", "Wes"):
            client = make_client("guard", person_id=crew.persons[name])
            tokens[name] = str(client.headers["Authorization"]).removeprefix("Bearer ")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            try:
                tara = browser.new_page()
                wes = browser.new_page()
                for page, name in ((tara, "Tara"), (wes, "Wes")):
                    page.goto(f"{server}/handset?token={tokens[name]}")
                    page.wait_for_selector("#status:has-text('Connected')", timeout=10_000)
                tara.fill("#text", "Two visitors approaching the West airlock.")
                tara.click("#send")
                wes.wait_for_selector(
                    "#messages li .text:has-text('Two visitors approaching')", timeout=10_000
                )
                tara.dispatch_event("#talk", "pointerdown")
                tara.wait_for_timeout(1500)
                tara.dispatch_event("#talk", "pointerup")
                wes.wait_for_selector("#messages li audio", timeout=10_000)
                wes.wait_for_selector("#messages li[data-played='1']", timeout=10_000)
                assert tara.text_content("#error") == ""
            finally:
                browser.close()
