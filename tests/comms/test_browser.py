"""Two handset pages in Chromium: a text and a recorded clip go from one to the other."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient

from comms.station import build_station
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


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(db: Database, settings: Settings) -> Iterator[str]:
    """The app served by uvicorn in a background thread; its base URL."""
    if not db.is_sqlite:
        pytest.skip("the browser test runs once, on SQLite")
    from muster.web.app import create_app

    port = free_port()
    config = uvicorn.Config(
        create_app(settings, db, run_scheduler=False),
        host="127.0.0.1",
        port=port,
        log_level="warning",
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)


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
