"""The hospital board in a real browser: a medic discharges from the board at the four
sizes with every form inside its card, and another operator's board changes live."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from muster.config import Settings
from muster.db import Database
from muster.web.app import create_app

from .browser import serve, signed_in_page
from .domains import build_records
from .layout import SIZES, misfits, none_words
from .station import build_small_station

pytestmark = pytest.mark.browser
BED_A1 = '#beds tr[data-bed="Ward A A1"]'


@pytest.fixture
def served(db: Database, settings: Settings) -> Iterator[str]:
    """The console serving the small station with a ward, two beds and Lisa in A1."""
    build_small_station(db)
    build_records(db)
    with serve(create_app(settings, db)) as url:
        yield url


class TestHospitalBoard:
    """Admit, transfer and discharge from the board, live for everyone watching it."""

    def test_medic_discharges_and_the_observer_sees_it_live(
        self, chromium: Browser, served: str, pages: list[BrowserContext]
    ) -> None:
        observer = signed_in_page(chromium, served, "olga", keep=pages)
        observer.goto(f"{served}/medical/hospital")
        expect(observer.locator(BED_A1)).to_have_attribute("data-state", "occupied")
        expect(observer.locator("#patients")).to_have_count(0)
        expect(observer.locator("body")).to_have_attribute("data-link", "live")
        observer.evaluate("window.notReloaded = true")

        medic = signed_in_page(chromium, served, "ines", keep=pages)
        medic.goto(f"{served}/medical/hospital")
        for width, height in SIZES:
            medic.set_viewport_size({"width": width, "height": height})
            medic.reload()
            expect(medic.locator('#patients tr[data-patient="Lisa"]')).to_be_visible()
            assert misfits(medic) == [], f"outside its card at {width}x{height}"
            assert none_words(medic) == []
            assert medic.evaluate("document.documentElement.scrollWidth") <= width
        medic.set_viewport_size({"width": 1024, "height": 768})
        # Half a discharge written when another medic's change redraws the board: kept.
        medic.locator('#patients tr[data-patient="Lisa"] input[name=disposition]').fill("Home")
        other = signed_in_page(chromium, served, "ines", keep=pages)
        other.goto(f"{served}/medical/hospital")
        other.locator('#beds tr[data-bed="Ward A A2"] select').select_option("cleaning")
        other.locator('#beds tr[data-bed="Ward A A2"] button').click()
        expect(other.locator(".notice")).to_have_text("Bed A2 is cleaning.")
        expect(medic.locator('#beds tr[data-bed="Ward A A2"]')).to_have_attribute(
            "data-state", "cleaning"
        )
        expect(medic.locator("#patients")).to_contain_text("No free bed to transfer to.")
        expect(
            medic.locator('#patients tr[data-patient="Lisa"] input[name=disposition]')
        ).to_have_value("Home")
        medic.fill("#hf-q", "lisa")
        medic.click("#hospital-filter button[type=submit]")
        expect(medic.locator("#patients-shown")).to_have_text("1 of 1 patient shown")
        lisa = medic.locator('#patients tr[data-patient="Lisa"]')
        lisa.locator("input[name=disposition]").fill("To quarters")
        lisa.locator("button:text('Discharge')").click()
        expect(medic.locator(".notice")).to_have_text("Patient discharged: To quarters.")
        expect(medic.locator("#hf-q")).to_have_value("lisa")  # the search is kept
        expect(medic.locator("#patients")).to_contain_text("No patient matches the search.")

        expect(observer.locator(BED_A1)).to_have_attribute("data-state", "cleaning")
        expect(observer.locator('#wards tr[data-ward="Ward A"]')).to_contain_text("0")
        assert observer.evaluate("window.notReloaded") is True
