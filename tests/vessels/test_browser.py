"""The station map renders in a real browser (Chromium through Playwright)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from console.browser import serve
from muster.access.modes import set_portal_mode
from muster.auth import service as auth_service
from muster.config import Settings
from muster.db import Database
from muster.places.enums import PortalMode
from muster.policy.actor import Actor
from muster.web.app import create_app

from .station import build_station

pytestmark = pytest.mark.browser


def bearer(db: Database, *roles: str) -> str:
    """An API token for an account with ``roles``."""
    system = Actor.system("test")
    with db.session_scope() as s:
        auth_service.create_account(
            s,
            username="viewer",
            display_name="viewer",
            roles=list(roles),
            password="correct horse battery",
            actor=system,
        )
        _token, secret = auth_service.create_token(
            s, name="t-viewer", username="viewer", scopes=[], actor=system
        )
    return secret


class TestMapInBrowser:
    """Chromium draws the map: zones, both airlocks with their mode, and it refreshes."""

    def test_map_renders(
        self,
        chromium: Browser,
        db: Database,
        settings: Settings,
    ) -> None:
        with db.session_scope() as session:
            station = build_station(session, Actor.system("test"))
        token = bearer(db, "guard")
        with serve(create_app(settings, db, run_scheduler=False)) as url:
            context = chromium.new_context(
                extra_http_headers={"Authorization": f"Bearer {token}"},
                viewport={"width": 1100, "height": 800},
            )
            try:
                page = context.new_page()
                page.goto(f"{url}/api/v1/map/svg")
                svg = page.locator("svg.station-map")
                expect(svg).to_be_visible()
                expect(page.locator("g.zone")).to_have_count(len(station.zones))
                west = page.locator(f'g.portal[data-portal-id="{station.portals["West airlock"]}"]')
                expect(west).to_have_attribute("data-mode", "normal")
                box = page.locator("g.portal-airlock rect.airlock-marker").first.bounding_box()
                assert box is not None
                assert box["width"] > 0
                with db.session_scope() as session:
                    set_portal_mode(
                        session,
                        portal_id=station.portals["West airlock"],
                        mode=PortalMode.LOCKDOWN,
                        reason="stand-off",
                        actor=Actor.system("test"),
                    )
                page.reload()
                expect(west).to_have_attribute("data-mode", "lockdown")
                expect(page.locator("g.casualties")).to_have_count(1)
            finally:
                context.close()
