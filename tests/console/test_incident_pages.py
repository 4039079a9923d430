"""Incident, situation report and overview panels through the ASGI client."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from harness.checkpoints import sign_now, verify_carried

from .domains import Records
from .helpers import ConsoleKit, landing, sign_in, submit


class TestNavigationOfDomains:
    """The navigation lists each later domain only to roles that may open it."""

    def test_commander_sees_every_domain(self, records: Records, console: ConsoleKit) -> None:
        page = sign_in(console.browser(), "john").get("/").text
        for href in ("/incidents", "/comms", "/medical", "/welfare", "/agreements"):
            assert f'href="{href}"' in page, href
        assert 'href="/logistics"' in page
        assert 'href="/vessels"' in page


class TestOverviewPanels:
    """The overview shows open incidents, orders, casualty counts and check-ups due."""

    def test_panels_with_their_figures(self, records: Records, console: ConsoleKit) -> None:
        page = sign_in(console.browser(), "olga").get("/").text
        assert "Visiting party at the airlocks" in page
        assert "Residents may not leave with the visitors." in page
        assert 'data-fragment="/fragments/casualties"' in page
        assert re.search(r'id="casualties-total">1<', page)

    def test_counts_fragment_for_all_clinical_list_for_medics(
        self, records: Records, console: ConsoleKit
    ) -> None:
        observer = sign_in(console.browser(), "olga")
        assert observer.get("/fragments/casualties").status_code == 200
        assert observer.get("/fragments/casualty_list").status_code == 403
        medic = sign_in(console.browser(), "ines")
        assert "Laceration" in medic.get("/fragments/casualty_list").text


class TestIncidentPage:
    """An incident's page shows its record, and forms only to those who may use them."""

    def test_observer_reads_without_forms(self, records: Records, console: ConsoleKit) -> None:
        page = sign_in(console.browser(), "olga").get(f"/incidents/{records.incident}").text
        assert "Screen the held residents" in page
        assert "Incident commander" in page
        assert 'id="log-form"' not in page
        assert 'id="role-form"' not in page

    def test_log_entry_round_trip(self, records: Records, console: ConsoleKit) -> None:
        client = sign_in(console.browser(), "priya")
        url = f"/incidents/{records.incident}"
        response = submit(client, url, f"{url}/log", {"text": "South post holding."})
        page = landing(client, response)
        assert "Log entry recorded." in page
        assert "South post holding." in page

    def test_observer_may_not_write_the_log(self, records: Records, console: ConsoleKit) -> None:
        client = sign_in(console.browser(), "olga")
        url = f"/incidents/{records.incident}"
        response = submit(client, url, f"{url}/log", {"text": "Not mine to write."})
        assert response.status_code == 403

    def test_form_without_token_is_refused(self, records: Records, console: ConsoleKit) -> None:
        client = sign_in(console.browser(), "john")
        response = client.post(f"/incidents/{records.incident}/log", data={"text": "No token."})
        assert response.status_code == 403

    def test_task_marked_done(self, records: Records, console: ConsoleKit) -> None:
        client = sign_in(console.browser(), "john")
        url = f"/incidents/{records.incident}"
        task = re.search(r'/tasks/([0-9a-f-]+)/status"', client.get(url).text)
        assert task is not None
        response = submit(client, url, f"{url}/tasks/{task.group(1)}/status", {"status": "done"})
        assert "is now done" in landing(client, response)

    def test_commander_declares_an_incident(self, records: Records, console: ConsoleKit) -> None:
        client = sign_in(console.browser(), "john")
        page = client.get("/incidents").text
        commander = re.search(r'<option value="([0-9a-f-]+)">John</option>', page)
        assert commander is not None
        response = submit(
            client,
            "/incidents",
            "/incidents",
            {
                "title": "West airlock casualties",
                "kind": "medical",
                "severity": "critical",
                "location": "West airlock",
                "commander_id": commander.group(1),
            },
        )
        assert "Incident 2 declared: West airlock casualties." in landing(client, response)


class TestSitrepPage:
    """The scribe edits the draft, the commander publishes, versions export."""

    def test_edit_publish_and_export(self, records: Records, console: ConsoleKit) -> None:
        client = sign_in(console.browser(), "john")
        url = f"/incidents/{records.incident}/sitrep"
        response = submit(client, url, url, {"situation": "Stand-off at the South airlock."})
        assert "Draft saved." in landing(client, response)
        response = submit(client, url, f"{url}/publish", {})
        page = landing(client, response)
        assert "Situation report 1 published." in page
        export = client.get(f"/api/v1/incidents/{records.incident}/sitreps/1?fmt=md")
        assert "Stand-off at the South airlock." in export.text
        assert "?fmt=pdf" in page

    def test_observer_sees_no_draft_form(self, records: Records, console: ConsoleKit) -> None:
        page = sign_in(console.browser(), "olga").get(f"/incidents/{records.incident}/sitrep")
        assert "Persons aboard:" in page.text
        assert 'id="draft-form"' not in page.text
        assert 'id="publish-form"' not in page.text

    def test_published_version_shows_its_checkpoint(
        self, records: Records, console: ConsoleKit, signing_key: Path
    ) -> None:
        """The version page prints the checkpoint the report carried, as a file that verifies."""
        client = sign_in(console.browser(), "john")
        url = f"/incidents/{records.incident}/sitrep"
        signed = sign_now(console.db, signing_key)
        landing(client, submit(client, url, f"{url}/publish", {}))
        page = client.get(f"/incidents/{records.incident}/sitreps/1").text
        assert f"Signature: {signed.signature}" in page
        shown = re.search(r'<pre id="record-checkpoint-json">(.*?)</pre>', page, re.S)
        assert shown is not None
        result = verify_carried(signing_key, json.loads(html.unescape(shown.group(1))))
        assert result.exit_code == 0, result.output
