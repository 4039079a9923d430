"""The casualty and hospital boards through the ASGI client: counts for all, details for
medics, recording and re-triage at the scene."""

from __future__ import annotations

import re

from .domains import Records
from .helpers import ConsoleKit, landing, sign_in, submit


class TestCasualtyBoard:
    """Every operator sees counts; only medical roles see who and how."""

    def test_observer_sees_counts_not_details(self, records: Records, console: ConsoleKit) -> None:
        page = sign_in(console.browser(), "olga").get("/medical").text
        assert 'id="casualty-counts"' in page
        assert "Laceration" not in page
        assert 'id="casualty-form"' not in page

    def test_medic_sees_details(self, records: Records, console: ConsoleKit) -> None:
        page = sign_in(console.browser(), "ines").get("/medical").text
        assert "Laceration, left arm" in page
        assert "Warrior 01" in page
        assert "cannot walk; breathing 20/min, perfused, obeys commands: delayed" in page

    def test_officer_records_and_retriages(self, records: Records, console: ConsoleKit) -> None:
        client = sign_in(console.browser(), "ken")
        data = {
            "walks": "no",
            "breathing": "yes",
            "respiratory_rate": "34",
            "found_at": "West airlock",
            "description": "Unknown man",
        }
        response = submit(client, "/medical", "/medical/casualties", {**data, "side": "visiting"})
        page = landing(client, response)
        assert "Casualty C-2 recorded: visiting side, triage immediate." in page
        row = re.search(r'<tr data-side="visiting">(.*?)</tr>', page, re.S)
        assert row is not None
        assert re.search(r'data-category="immediate">1<', row.group(1))
        again = {
            "casualty": "C-2",
            "walks": "no",
            "breathing": "yes",
            "respiratory_rate": "20",
            "radial_pulse": "yes",
            "obeys_commands": "yes",
        }
        response = submit(client, "/medical", "/medical/casualties/retriage", again)
        assert "Casualty C-2 re-triaged delayed." in landing(client, response)

    def test_observer_may_not_record(self, records: Records, console: ConsoleKit) -> None:
        client = sign_in(console.browser(), "olga")
        data = {
            "walks": "yes",
            "breathing": "yes",
            "found_at": "Hospital",
            "description": "Someone",
        }
        assert submit(client, "/medical", "/medical/casualties", data).status_code == 403

    def test_missing_description_is_refused(self, records: Records, console: ConsoleKit) -> None:
        client = sign_in(console.browser(), "ken")
        data = {"walks": "yes", "breathing": "yes", "found_at": "Hospital"}
        page = landing(client, submit(client, "/medical", "/medical/casualties", data))
        assert "Refused: " in page
        assert "describe the casualty" in page

    def test_officer_may_not_set_a_category_over_findings(
        self, records: Records, console: ConsoleKit
    ) -> None:
        client = sign_in(console.browser(), "ken")
        data = {
            "walks": "yes",
            "breathing": "yes",
            "triage": "immediate",
            "reason": "looks worse",
            "found_at": "Hospital",
            "description": "Someone",
        }
        assert submit(client, "/medical", "/medical/casualties", data).status_code == 403

    def test_officer_sees_the_missing_finding(self, records: Records, console: ConsoleKit) -> None:
        client = sign_in(console.browser(), "ken")
        data = {"walks": "no", "breathing": "yes", "found_at": "Hospital", "description": "Someone"}
        page = landing(client, submit(client, "/medical", "/medical/casualties", data))
        assert "Refused: record respiratory_rate" in page


class TestHospitalBoard:
    """The hospital board gives ward counts to all and patients to medics."""

    def test_counts_for_observer(self, records: Records, console: ConsoleKit) -> None:
        page = sign_in(console.browser(), "olga").get("/medical/hospital").text
        assert 'data-ward="Ward A"' in page
        assert 'data-patient="Lisa"' not in page

    def test_patients_for_medic(self, records: Records, console: ConsoleKit) -> None:
        page = sign_in(console.browser(), "ines").get("/medical/hospital").text
        assert 'data-patient="Lisa"' in page
        assert "FAIR" in page
