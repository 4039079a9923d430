"""Running the console for a real browser: uvicorn in a thread, Chromium through Playwright."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import uvicorn
from starlette.types import ASGIApp

from .helpers import PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> None:
    """Skip (or fail, when MUSTER_REQUIRE_BROWSER=1) unless Debian's Chromium is installed."""
    if CHROMIUM.exists():
        return
    reason = f"Chromium not found at {CHROMIUM}; install it with: apt-get install -y chromium"
    if os.environ.get("MUSTER_REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve(app: ASGIApp) -> Iterator[str]:
    """Serve ``app`` on a free port in a background thread; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        ws="none",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="console-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def signed_in_page(
    browser: Browser,
    url: str,
    username: str,
    password: str = PASSWORD,
    *,
    keep: list[BrowserContext] | None = None,
) -> Page:
    """A new browser context signed in as ``username``, on the page they land on (the
    overview; a guard's own post)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    if keep is not None:
        keep.append(context)
    return sign_in_page(context.new_page(), url, username, password)


def sign_in_page(page: Page, url: str, username: str, password: str = PASSWORD) -> Page:
    """Sign ``page`` in through the form; returns it on the page the operator lands on."""
    page.goto(f"{url}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda address: "/login" not in address)
    return page
