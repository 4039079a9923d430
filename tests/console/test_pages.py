"""Console pages through the ASGI client: people, holds, roll call, the log, policies, roles."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from harness.checkpoints import sign_now, verify_carried
from muster.db import Database
from muster.people.service import find_person

from .helpers import ConsoleKit, csrf_of, sign_in
from .station import build_small_station


@pytest.fixture
def station(console: ConsoleKit, db: Database) -> ConsoleKit:
    """The small station with its stand-off at the South airlock."""
    build_small_station(db)
    return console


def person_id(db: Database, name: str) -> str:
    """A person's id by name."""
    with db.session_scope(write=False) as session:
        return find_person(session, name).id


def follow(client: TestClient, response: object) -> str:
    """The page a form's redirect leads to."""
    location = response.headers["location"]  # type: ignore[attr-defined]
    return client.get(location).text


class TestNavigation:
    """Each role's navigation lists only what the policy lets it open."""

    def test_commander_sees_policies_and_roll_call(self, signed_in: object) -> None:
        page = signed_in("commander").get("/").text  # type: ignore[operator]
        assert 'href="/policies"' in page
        assert 'href="/rollcall"' in page

    def test_header_names_the_operator_and_roles(self, signed_in: object) -> None:
        page = signed_in("guard").get("/").text  # type: ignore[operator]
        assert "(guard)" in page
        assert 'action="/logout"' in page


class TestPeople:
    """The registry is searched and a person's page shows holds and allowed actions."""

    def test_search_by_name_and_affiliation(self, station: ConsoleKit) -> None:
        client = sign_in(station.browser(), "olga")
        page = client.get("/people", params={"q": "resident", "affiliation": "resident"}).text
        assert "Resident 241" in page
        assert "Bahati" not in page

    def test_person_page_shows_hold_and_place(self, station: ConsoleKit, db: Database) -> None:
        client = sign_in(station.browser(), "olga")
        page = client.get(f"/people/{person_id(db, 'Resident 241')}").text
        assert "HELD" in page
        assert "South corridor" in page
        assert 'id="place-hold-form"' not in page

    def test_officer_roles_place_and_lift_holds(self, station: ConsoleKit, db: Database) -> None:
        client = sign_in(station.browser(), "john")
        lisa = person_id(db, "Lisa")
        page = client.get(f"/people/{lisa}").text
        response = client.post(
            f"/people/{lisa}/holds",
            data={"csrf_token": csrf_of(page), "kind": "provisional", "reason": "Screening"},
        )
        page = follow(client, response)
        assert "Provisional hold placed on Lisa" in page
        hold = re.search(r'/holds/([0-9a-f-]+)/lift"', page)
        assert hold is not None
        response = client.post(
            f"/people/{lisa}/holds/{hold.group(1)}/lift",
            data={"csrf_token": csrf_of(page), "reason": "Screened clear"},
        )
        assert "hold lifted" in follow(client, response)

    def test_guard_may_not_place_a_hold(self, station: ConsoleKit, db: Database) -> None:
        client = sign_in(station.browser(), "priya")
        lisa = person_id(db, "Lisa")
        page = client.get(f"/people/{lisa}").text
        assert 'id="place-hold-form"' not in page
        response = client.post(
            f"/people/{lisa}/holds",
            data={"csrf_token": csrf_of(page), "kind": "provisional", "reason": "x"},
        )
        assert "Refused" in follow(client, response)


class TestRollCall:
    """A roll call lists the unaccounted and a post marks them."""

    def test_start_and_mark(self, station: ConsoleKit) -> None:
        client = sign_in(station.browser(), "john")
        page = client.get("/rollcall").text
        response = client.post(
            "/rollcall/start", data={"csrf_token": csrf_of(page), "reason": "After the stand-off"}
        )
        page = follow(client, response)
        assert 'data-person="Lisa"' in page
        before = int(re.search(r'id="rc-unaccounted">(\d+)<', page).group(1))  # type: ignore[union-attr]
        form = re.search(r'name="person_id" value="([^"]+)">.*?<option value="([^"]+)"', page, re.S)
        assert form is not None
        response = client.post(
            "/rollcall/mark",
            data={"csrf_token": csrf_of(page), "person_id": form[1], "post_id": form[2]},
        )
        page = follow(client, response)
        assert "Accounted for at" in page
        assert int(re.search(r'id="rc-unaccounted">(\d+)<', page).group(1)) == before - 1  # type: ignore[union-attr]

    def test_page_carries_the_record_checkpoint(
        self, station: ConsoleKit, signing_key: Path
    ) -> None:
        """The roll call page prints the newest signed checkpoint, as a file that verifies."""
        client = sign_in(station.browser(), "olga")
        assert "No signed checkpoint of the record yet" in client.get("/rollcall").text
        signed = sign_now(station.db, signing_key)
        page = client.get("/rollcall").text
        shown = re.search(r'id="rollcall-checkpoint">.*?<pre>(.*?)</pre>', page, re.S)
        assert shown is not None
        carried = json.loads(html.unescape(shown.group(1)))
        assert carried == signed.to_dict()
        result = verify_carried(signing_key, carried)
        assert result.exit_code == 0, result.output

    def test_observer_cannot_start_one(self, station: ConsoleKit) -> None:
        client = sign_in(station.browser(), "olga")
        page = client.get("/rollcall").text
        assert 'id="start-rollcall"' not in page
        response = client.post("/rollcall/start", data={"csrf_token": csrf_of(page), "reason": "x"})
        assert response.status_code == 403


class TestEventLog:
    """The log is filtered by kind, person and time, and exported as CSV."""

    def test_filter_by_kind_and_person(self, station: ConsoleKit) -> None:
        client = sign_in(station.browser(), "olga")
        page = client.get("/events", params={"kind": "access.hold.", "person": "Resident 241"})
        assert page.status_code == 200
        assert page.text.count("access.hold.placed") == 1
        assert "1 event match" in page.text

    def test_unknown_person_is_said_plainly(self, station: ConsoleKit) -> None:
        client = sign_in(station.browser(), "olga")
        page = client.get("/events", params={"person": "Nobody Known"})
        assert page.status_code == 422
        assert "no person with id, badge or name" in page.text

    def test_csv_export(self, station: ConsoleKit) -> None:
        client = sign_in(station.browser(), "olga")
        response = client.get("/events/export.csv", params={"kind": "access.hold.placed"})
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.text)))
        assert rows[0][:3] == ["seq", "at", "kind"]
        assert [r[2] for r in rows[1:]] == ["access.hold.placed", "access.hold.placed"]


class TestPolicies:
    """A draft that fails validation is refused; the editor is shown only to writers."""

    def test_invalid_draft_is_refused_with_problems(self, station: ConsoleKit) -> None:
        client = sign_in(station.browser(), "john")
        page = client.get("/policies").text
        response = client.post(
            "/policies/save",
            data={
                "csrf_token": csrf_of(page),
                "policy_text": (
                    '@id("x")\npermit (principal, action, resource) when { principal.nope };'
                ),
                "comment": "broken",
            },
        )
        assert response.status_code == 422
        assert "Refused. The draft was not saved" in response.text
        # Where: the line and column of the unknown attribute, marked in its line.
        assert "line 2, column 55: [x] for policy `x`, attribute `nope`" in response.text
        assert "principal.<mark>nope</mark> };" in response.text

    def test_valid_draft_is_saved_then_activated(self, station: ConsoleKit) -> None:
        client = sign_in(station.browser(), "john")
        page = client.get("/policies").text
        text = re.search(r'id="policy-text"[^>]*>(.*?)</textarea>', page, re.S)
        assert text is not None
        import html

        response = client.post(
            "/policies/save",
            data={
                "csrf_token": csrf_of(page),
                "policy_text": html.unescape(text.group(1)),
                "comment": "Same rules, first stored version",
            },
        )
        page = follow(client, response)
        assert "Saved as version 1" in page
        response = client.post("/policies/1/activate", data={"csrf_token": csrf_of(page)})
        assert "Version 1 is now the active policy" in follow(client, response)

    def test_observer_reads_but_cannot_edit(self, station: ConsoleKit) -> None:
        client = sign_in(station.browser(), "olga")
        page = client.get("/policies").text
        assert 'id="rules"' in page
        assert 'id="policy-form"' not in page


class TestStatic:
    """The console's own files are served, nothing else."""

    def test_script_and_styles(self, console: ConsoleKit) -> None:
        client = console.browser()
        assert (
            client.get("/static/console/console.js")
            .headers["content-type"]
            .startswith("text/javascript")
        )
        assert client.get("/static/console/console.css").status_code == 200

    def test_no_path_escape(self, console: ConsoleKit) -> None:
        client = console.browser()
        assert client.get("/static/console/..%2Froutes.py").status_code == 404
        assert client.get("/static/console/routes.py").status_code == 404

    def test_pages_use_no_inline_script(self, station: ConsoleKit, db: Database) -> None:
        client = sign_in(station.browser(), "john")
        for url in ("/", "/posts/South airlock", "/people", "/rollcall", "/policies", "/events"):
            page = client.get(url).text
            assert "<script>" not in page
            assert not re.search(r"\son[a-z]+=", page), url
