"""Welfare cases and agreements through the ASGI client: the steps each officer may take,
revocation on the person's word, a term's status set with evidence."""

from __future__ import annotations

from .domains import Records
from .helpers import ConsoleKit, landing, sign_in, submit

WISH = {"stated_wish": "I want to live aboard.", "assessment": "free_choice"}


class TestWelfareBoard:
    """The board lists cases by step for welfare and command, check-ups for all."""

    def test_welfare_officer_sees_cases(self, records: Records, console: ConsoleKit) -> None:
        page = sign_in(console.browser(), "mara").get("/welfare").text
        assert 'data-case="W-1"' in page
        assert "interview 1 of 2" in page

    def test_observer_sees_board_but_not_cases(self, records: Records, console: ConsoleKit) -> None:
        client = sign_in(console.browser(), "olga")
        page = client.get("/welfare").text
        assert 'id="checkups-due"' in page
        assert 'data-case="W-1"' not in page
        assert client.get(f"/welfare/cases/{records.case}").status_code == 403


class TestCasePage:
    """A case's forms follow the Cedar rules: two interviewers, revocation by any officer."""

    def test_interview_round_trip_then_no_second(
        self, records: Records, console: ConsoleKit
    ) -> None:
        client = sign_in(console.browser(), "mara")
        url = f"/welfare/cases/{records.case}"
        assert 'id="interview-form"' in client.get(url).text
        page = landing(client, submit(client, url, f"{url}/interviews", WISH))
        assert "Interview recorded." in page
        assert "I want to live aboard." in page
        assert 'id="interview-form"' not in page

    def test_same_officer_twice_is_refused(self, records: Records, console: ConsoleKit) -> None:
        client = sign_in(console.browser(), "mara")
        url = f"/welfare/cases/{records.case}"
        landing(client, submit(client, url, f"{url}/interviews", WISH))
        page = landing(client, submit(client, url, f"{url}/interviews", WISH))
        assert "Refused: " in page
        assert "different welfare officer" in page

    def test_doubtful_interview_stops_the_case(self, records: Records, console: ConsoleKit) -> None:
        client = sign_in(console.browser(), "nils")
        url = f"/welfare/cases/{records.case}"
        data = {**WISH, "assessment": "doubtful"}
        page = landing(client, submit(client, url, f"{url}/interviews", data))
        assert "STOPPED" in page

    def test_commander_revokes_on_their_word(self, records: Records, console: ConsoleKit) -> None:
        client = sign_in(console.browser(), "john")
        url = f"/welfare/cases/{records.case}"
        page = landing(client, submit(client, url, f"{url}/revoke", {"statement": "I stay."}))
        assert "Consent revoked" in page
        assert "REVOKED" in page
        assert 'id="revoke-form"' not in page


class TestAgreementPage:
    """Terms show owners and evidence; the status changes only with evidence."""

    def test_observer_reads_terms(self, records: Records, console: ConsoleKit) -> None:
        page = sign_in(console.browser(), "olga").get(f"/agreements/{records.agreement}").text
        assert "The vessel does not leave orbit." in page
        assert "Station: John; party: Bahati" in page
        assert "term-status-form" not in page

    def test_status_set_with_evidence(self, records: Records, console: ConsoleKit) -> None:
        client = sign_in(console.browser(), "john")
        url = f"/agreements/{records.agreement}"
        term = client.get(url).text.split("/terms/")[1].split("/")[0]
        data = {
            "status": "met",
            "reason": "Orbit held through the talks.",
            "evidence_kind": "person",
            "evidence_ref": "Bahati",
        }
        page = landing(client, submit(client, url, f"{url}/terms/{term}/status", data))
        assert "Term 1 is now met." in page
        assert "Person: Bahati" in page

    def test_list_links_the_agreement(self, records: Records, console: ConsoleKit) -> None:
        page = sign_in(console.browser(), "olga").get("/agreements").text
        assert f'href="/agreements/{records.agreement}"' in page
