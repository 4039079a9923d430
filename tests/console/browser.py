"""Running the console for a real browser: uvicorn in a thread, Chromium through Playwright."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from starlette.types import ASGIApp

from harness.threaded import serving

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


@contextmanager
def serve(app: ASGIApp) -> Iterator[str]:
    """Serve ``app`` on a free port in a background thread; yields its base URL."""
    with serving(app, lifespan="off", ws="none", timeout_graceful_shutdown=1) as url:
        yield url


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
