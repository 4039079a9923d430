"""The hospital board through the ASGI client: a medic admits, transfers and discharges and
sets bed states from the board; others may not; the board is searched and filtered."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from .domains import Records
from .helpers import ConsoleKit, csrf_of, landing, sign_in, submit

BOARD = "/medical/hospital"


def row(page: str, attribute: str, value: str) -> str:
    """The table row whose ``data-{attribute}`` is ``value`` (empty when there is none)."""
    found = re.search(rf'<tr data-{attribute}="{re.escape(value)}"[^>]*>(.*?)</tr>', page, re.S)
    return found.group(0) if found else ""


def bed_id(page: str, bed: str) -> str:
    """A bed's id from its state form on the board."""
    found = re.search(
        rf'<tr data-bed="{re.escape(bed)}".*?/medical/hospital/beds/([^/]+)/state', page, re.S
    )
    assert found, f"no state form for bed {bed}"
    return found.group(1)


def admission_of(page: str, name: str) -> str:
    """A patient's admission id from the discharge form in their row."""
    found = re.search(r"/admissions/([^/]+)/discharge", row(page, "patient", name))
    assert found, f"{name} is not on the board with a discharge form"
    return found.group(1)


def free_bed(page: str, bed: str) -> str:
    """A free bed's id from the admit form's list of beds."""
    found = re.search(rf'<option value="([^"]+)">Ward A · {re.escape(bed)}</option>', page)
    assert found, f"bed {bed} is not offered as free"
    return found.group(1)


def medic(console: ConsoleKit) -> TestClient:
    """Ines, the medic."""
    return sign_in(console.browser(), "ines")


class TestFromTheBoard:
    """A medic moves patients and beds from the board; every answer names what it did."""

    def test_transfer_discharge_and_bed_state(self, records: Records, console: ConsoleKit) -> None:
        client = medic(console)
        page = client.get(BOARD).text
        lisa = admission_of(page, "Lisa")
        a2 = free_bed(page, "A2")
        done = submit(client, BOARD, f"{BOARD}/admissions/{lisa}/transfer", {"bed_id": a2})
        page = landing(client, done)
        assert "Patient transferred to bed A2." in page
        assert "Ward A · A2" in row(page, "patient", "Lisa")
        assert 'data-state="cleaning"' in row(page, "bed", "Ward A A1")
        done = submit(
            client, BOARD, f"{BOARD}/admissions/{lisa}/discharge", {"disposition": "To quarters"}
        )
        page = landing(client, done)
        assert "Patient discharged: To quarters." in page
        assert row(page, "patient", "Lisa") == ""
        a1 = bed_id(page, "Ward A A1")
        done = submit(client, BOARD, f"{BOARD}/beds/{a1}/state", {"state": "available"})
        page = landing(client, done)
        assert "Bed A1 is available." in page
        assert 'data-state="available"' in row(page, "bed", "Ward A A1")

    def test_admit_a_casualty_by_tag_and_a_person(
        self, records: Records, console: ConsoleKit
    ) -> None:
        client = medic(console)
        page = client.get(BOARD).text
        data = {"casualty": "C-1", "bed_id": free_bed(page, "A2"), "condition": "serious"}
        page = landing(client, submit(client, BOARD, f"{BOARD}/admissions", data))
        assert "Patient admitted to bed A2." in page
        assert "SERIOUS" in row(page, "patient", "Warrior 01")
        person = re.search(r'<option value="([^"]+)">Resident 241</option>', page)
        assert person
        data = {"person_id": person.group(1), "condition": "fair", "reason": "Screening"}
        page = landing(client, submit(client, BOARD, f"{BOARD}/admissions", data))
        assert "Patient admitted." in page
        assert "No bed yet" in row(page, "patient", "Resident 241")

    def test_what_the_board_cannot_do_is_refused_in_words(
        self, records: Records, console: ConsoleKit
    ) -> None:
        client = medic(console)
        page = client.get(BOARD).text
        a1 = re.search(r'<option value="([^"]+)">Ward A · A1', page)
        assert a1 is None  # Lisa lies in A1: not offered
        a2 = f"{BOARD}/beds/{free_bed(page, 'A2')}/state"
        attempts = [
            (f"{BOARD}/admissions", {"condition": "fair"}, "give the person or the casualty"),
            (f"{BOARD}/admissions", {"casualty": "C-99", "condition": "fair"}, "no casualty"),
            (f"{BOARD}/admissions", {"casualty": "C-1", "condition": "asleep"}, "condition"),
            (f"{BOARD}/admissions/nothing/discharge", {"disposition": "Home"}, "no admission"),
            (f"{BOARD}/admissions/{admission_of(page, 'Lisa')}/discharge", {}, "say where"),
            (a2, {"state": "occupied"}, "admitting"),
            (
                f"{BOARD}/beds/{free_bed(page, 'A2')}/state",
                {"state": "broken"},
                "unknown bed state",
            ),
        ]
        for action, data, words in attempts:
            response = submit(client, BOARD, action, data)
            assert response.status_code == 303, (action, response.status_code)
            answer = landing(client, response)
            notice = re.search(r'<p class="notice refusal" role="status">(.*?)</p>', answer, re.S)
            assert notice, action
            assert words in notice.group(1), (action, notice.group(1))
        assert "FAIR" in row(client.get(BOARD).text, "patient", "Lisa")

    def test_a_closed_bed_with_a_patient_is_refused(
        self, records: Records, console: ConsoleKit
    ) -> None:
        client = medic(console)
        page = client.get(BOARD).text
        a1 = re.search(r'data-bed="Ward A A1"', page)
        assert a1
        ids = re.findall(r"/medical/hospital/beds/([^/]+)/state", page)
        assert len(ids) == 1  # the occupied bed has no state form
        api = client.get("/api/v1/medical/beds").json()
        occupied = next(b["id"] for b in api if b["label"] == "A1")
        answer = landing(
            client, submit(client, BOARD, f"{BOARD}/beds/{occupied}/state", {"state": "closed"})
        )
        assert "Refused: bed A1 has a patient; transfer or discharge them first" in answer


class TestWhoMay:
    """Only the roles that manage the hospital get the forms, and the use cases refuse others."""

    def test_guard_may_not_discharge(self, records: Records, console: ConsoleKit) -> None:
        lisa = admission_of(medic(console).get(BOARD).text, "Lisa")
        guard = sign_in(console.browser(), "priya")
        page = guard.get(BOARD).text
        assert 'data-ward="Ward A"' in page
        assert 'data-patient="Lisa"' not in page
        assert "/discharge" not in page
        assert 'id="admit-form"' not in page
        token = csrf_of(page)
        response = guard.post(
            f"{BOARD}/admissions/{lisa}/discharge",
            data={"csrf_token": token, "disposition": "Let go"},
        )
        assert response.status_code == 403
        assert 'data-patient="Lisa"' in medic(console).get(BOARD).text

    def test_guard_is_refused_before_the_form_is_read(
        self, records: Records, console: ConsoleKit
    ) -> None:
        """Every board form posted by a guard, well formed or not, is a 403: the use case
        authorizes before it reads the condition, the bed state or the disposition."""
        lisa = admission_of(medic(console).get(BOARD).text, "Lisa")
        guard = sign_in(console.browser(), "priya")
        token = csrf_of(guard.get(BOARD).text)
        attempts = [
            (f"{BOARD}/admissions", {"casualty": "C-1", "condition": "asleep"}),
            (f"{BOARD}/admissions", {"condition": "fair"}),
            (f"{BOARD}/admissions/{lisa}/transfer", {"bed_id": "x", "condition": "asleep"}),
            (f"{BOARD}/admissions/{lisa}/discharge", {"disposition": " "}),
            (f"{BOARD}/beds/nothing/state", {"state": "broken"}),
            (f"{BOARD}/admissions", {}),  # no condition at all
            (f"{BOARD}/admissions/{lisa}/transfer", {}),  # no bed
            (f"{BOARD}/beds/nothing/state", {}),  # no state
        ]
        for action, data in attempts:
            response = guard.post(action, data={"csrf_token": token, **data})
            assert response.status_code == 403, (action, response.status_code)
            assert "condition" not in response.text
            assert "bed state" not in response.text

    def test_observer_sees_bed_states_not_patients(
        self, records: Records, console: ConsoleKit
    ) -> None:
        page = sign_in(console.browser(), "olga").get(BOARD).text
        assert 'data-state="occupied"' in row(page, "bed", "Ward A A1")
        assert "Lisa" not in page
        assert "/state" not in page


class TestSearch:
    """The board is searched by name, ward, bed or condition and filtered by bed state."""

    def test_search_and_filter(self, records: Records, console: ConsoleKit) -> None:
        client = medic(console)
        page = client.get(BOARD, params={"q": "lisa"}).text
        assert row(page, "patient", "Lisa")
        assert 'value="lisa"' in page
        assert "1 of 1 patient shown" in page
        page = client.get(BOARD, params={"q": "nobody"}).text
        assert "No patient matches the search." in page
        page = client.get(BOARD, params={"state": "available"}).text
        assert row(page, "bed", "Ward A A2")
        assert not row(page, "bed", "Ward A A1")
        assert "No patient matches the search." in page
        page = client.get(BOARD, params={"state": "melted"}).text
        assert "2 of 2 beds shown" in page
        fragment = client.get("/fragments/hospital", params={"q": "A2"}).text
        assert "1 of 2 beds shown" in fragment
