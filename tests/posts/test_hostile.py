"""Post reports under a hostile operator: another post's guard, an observer, a visitor, and
input no guard would send. Each is refused through the front door with a 4xx that says
what is wrong, and nothing is recorded (issues 20 and 21)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from comms.station import Station
from console.helpers import ConsoleKit, landing, submit
from muster.db import Database
from muster.people.enums import Affiliation
from muster.people.models import Person
from muster.posts.cli import report_app
from posts.conftest import STANDOFF, events_of, guard
from posts.test_cli import as_gail  # noqa: F401  (the CLI signed in as Gail)
from posts.test_console import operator

WEST = "West airlock post"
SOUTH = "South airlock post"
HUGE = 867473434626396643223666688  # 90 bits
RECORDED = ("posts.report.filed", "posts.help.requested", "posts.force.used")


def recorded(make_client: Callable[..., TestClient]) -> dict[str, int]:
    """How many reports, calls for help and uses of force the record holds."""
    admin = make_client("admin")
    return {kind: len(events_of(admin, kind)) for kind in RECORDED}


def refusal(response: Any, status: int = 422) -> str:
    """The problem's detail; fails unless the answer is a problem with ``status``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return str(response.json()["detail"])


def force(**changes: Any) -> dict[str, Any]:
    """A report of force used at a post, by Gail against one person."""
    entry = {"used_by": "Gail", "against_count": 1, "outcome": "Pushed back.", **changes}
    return {"status": "force_used", "force": [entry]}


class TestAnotherPostsGuard:
    """Gail guards the South airlock: every path refuses her a report or help for West."""

    def test_api_by_name_and_by_id(
        self, make_client: Callable[..., TestClient], crew: Station, incident: str
    ) -> None:
        """Reports and help for West, named either way, are 403; nothing is recorded."""
        gail = guard(make_client, crew, "Gail")
        for ref in (WEST, crew.posts[WEST]):
            assert "post.report" in refusal(
                gail.post(f"/api/v1/posts/{ref}/reports", json=STANDOFF), 403
            )
            assert "post.help" in refusal(gail.post(f"/api/v1/posts/{ref}/help", json={}), 403)
        assert recorded(make_client) == dict.fromkeys(RECORDED, 0)

    def test_console_forms_forged_from_her_own_page(
        self, console: ConsoleKit, crew: Station
    ) -> None:
        """From the South page, a report and a help call carrying West's post id are refused."""
        gail = operator(console, crew, "Gail", "guard")
        page = f"/posts/{crew.portals['South airlock']}"
        west = {"post_id": crew.posts[WEST]}
        sent = submit(gail, page, f"{page}/situation", {**west, "status": "standoff"})
        assert "may not post.report" in landing(gail, sent)
        called = submit(gail, page, f"{page}/help", west)
        assert "may not post.help" in landing(gail, called)
        john = operator(console, crew, "John", "commander")
        board = john.get("/api/v1/post-board")
        west_row = next(r for r in board.json() if r["post"] == WEST)
        assert west_row["report"] is None
        assert west_row["help_open"] is False

    def test_cli_help_for_another_post(self, as_gail: Station) -> None:  # noqa: F811
        """``muster report help`` for West fails saying why, with no traceback."""
        result = CliRunner().invoke(report_app, ["help", WEST], terminal_width=200)
        assert result.exit_code != 0
        assert "may not post.help" in result.output
        assert "Traceback" not in result.output


class TestOtherRoles:
    """Only the station's guards at the post and its command report or call help."""

    def test_observer_reads_but_may_not_report(
        self, make_client: Callable[..., TestClient], crew: Station, incident: str
    ) -> None:
        """An observer reads the board and the reports, and is refused reporting and help."""
        observer = make_client("observer")
        assert refusal(observer.post(f"/api/v1/posts/{SOUTH}/reports", json=STANDOFF), 403)
        assert refusal(observer.post(f"/api/v1/posts/{SOUTH}/help", json={}), 403)
        assert observer.get("/api/v1/post-board").status_code == 200
        assert recorded(make_client) == dict.fromkeys(RECORDED, 0)

    def test_guard_moved_to_the_visiting_party(
        self, make_client: Callable[..., TestClient], crew: Station, db: Database, incident: str
    ) -> None:
        """Tara, once of the visiting party, keeps her account but reports and pages no one
        (P6): her guard role is gone, though she is still assigned to West."""
        tara = guard(make_client, crew, "Tara")
        with db.session_scope() as session:
            person = session.get(Person, crew.persons["Tara"])
            assert person is not None
            person.affiliation = Affiliation.VISITOR
        assert refusal(tara.post(f"/api/v1/posts/{WEST}/reports", json=STANDOFF), 403)
        assert refusal(tara.post(f"/api/v1/posts/{WEST}/help", json={}), 403)
        assert refusal(tara.get("/api/v1/post-board"), 403)
        assert recorded(make_client) == dict.fromkeys(RECORDED, 0)


class TestCounts:
    """Counts are whole numbers from 0 to 100,000, sent as numbers."""

    @pytest.mark.parametrize(
        ("value", "says"),
        [
            (-1, "greater than or equal to 0"),
            (100_001, "less than or equal to 100000"),
            (2**63, "must be at most"),
            (HUGE, "must be at most"),
            ("3", "valid integer"),
            (True, "valid integer"),
            (2.5, "valid integer"),
        ],
    )
    def test_a_count_out_of_range_or_not_a_number(
        self, make_client: Callable[..., TestClient], crew: Station, value: Any, says: str
    ) -> None:
        """The 422 names the field; no report is filed."""
        gail = guard(make_client, crew, "Gail")
        for field in ("visitors", "station_dead"):
            response = gail.post(
                f"/api/v1/posts/{SOUTH}/reports", json={"status": "quiet", field: value}
            )
            errors = {e["field"]: e["message"] for e in response.json().get("errors", [])}
            assert response.status_code == 422, response.text
            assert says in errors[f"body.{field}"]
        assert recorded(make_client)["posts.report.filed"] == 0

    def test_force_against_a_huge_or_negative_count(
        self, make_client: Callable[..., TestClient], crew: Station
    ) -> None:
        """``against_count`` is held to its bounds too, and named by its place in the list."""
        gail = guard(make_client, crew, "Gail")
        for value in (-3, 2**70, "2"):
            response = gail.post(f"/api/v1/posts/{SOUTH}/reports", json=force(against_count=value))
            fields = {e["field"] for e in response.json()["errors"]}
            assert fields == {"body.force.0.against_count"}, response.text


class TestTextAndIds:
    """NUL in any field, ids past 64 bits, and names of no one: a 4xx naming the field."""

    def test_nul_anywhere_in_a_report(
        self, make_client: Callable[..., TestClient], crew: Station
    ) -> None:
        """Text, force fields, the path and the Idempotency-Key header with NUL are 422."""
        gail = guard(make_client, crew, "Gail")
        url = f"/api/v1/posts/{SOUTH}/reports"
        cases = [
            (url, {"status": "quiet", "text": "a\x00b"}, {}, "body.text"),
            (url, force(used_by="Ga\x00il"), {}, "body.force.0.used_by"),
            (url, force(against=["x\x00"]), {}, "body.force.0.against.0"),
            (url, force(weapon="RF\x00"), {}, "body.force.0.weapon"),
            ("/api/v1/posts/South%00/reports", STANDOFF, {}, "path.post_ref"),
            (url, STANDOFF, {"Idempotency-Key": "k\x00"}, "header.idempotency-key"),
            (f"/api/v1/posts/{SOUTH}/help", {"text": "\x00"}, {}, "body.text"),
        ]
        for path, body, headers, field in cases:
            response = gail.post(path, json=body, headers=headers)
            assert response.status_code == 422, (field, response.text)
            assert [e["field"] for e in response.json()["errors"]] == [field]
        assert recorded(make_client) == dict.fromkeys(RECORDED, 0)

    def test_ids_past_64_bits(
        self, make_client: Callable[..., TestClient], crew: Station, incident: str
    ) -> None:
        """A post, weapon, person or unit named by a 90-bit number is a plain 4xx: a 403
        for a medic, who reports nowhere; a 404 for the guard and the commander, who read
        the board of every post anyway."""
        gail = guard(make_client, crew, "Gail")
        commander = make_client("commander", person_id=crew.persons["John"])
        medic = make_client("medic", person_id=crew.persons["Mary"])
        assert refusal(medic.post(f"/api/v1/posts/{HUGE}/reports", json=STANDOFF), 403)
        for caller in (gail, commander):
            answer = caller.post(f"/api/v1/posts/{HUGE}/reports", json=STANDOFF)
            assert "no post" in refusal(answer, 404)
        assert "no weapon" in refusal(
            gail.post(f"/api/v1/posts/{SOUTH}/reports", json=force(weapon=str(HUGE)))
        )
        assert "no account or person" in refusal(
            gail.post(f"/api/v1/posts/{SOUTH}/reports", json=force(used_by=str(HUGE)))
        )
        assert "no weapon" in refusal(commander.get(f"/api/v1/post-force/units/{HUGE}"), 404)
        assert recorded(make_client) == dict.fromkeys(RECORDED, 0)

    def test_force_against_no_one_known(
        self, make_client: Callable[..., TestClient], crew: Station, incident: str
    ) -> None:
        """A name under 'against' that is no one's is the report's error (422), saying how
        to count those not known by name; the report is not filed."""
        gail = guard(make_client, crew, "Gail")
        detail = refusal(
            gail.post(f"/api/v1/posts/{SOUTH}/reports", json=force(against=["Nobody Such"]))
        )
        assert "against: no person 'Nobody Such'" in detail
        assert "against_count" in detail
        assert recorded(make_client) == dict.fromkeys(RECORDED, 0)


class TestHelpCannotBeBlocked:
    """A call for help goes out whatever channels others have made."""

    def test_a_channel_named_like_the_next_help_channel(
        self, make_client: Callable[..., TestClient], crew: Station, incident: str
    ) -> None:
        """An officer made "Help: West airlock post (1)" beforehand: Wes's call still pages
        the commander and the post's officers (it was refused, "a channel named ... already
        exists")."""
        dominic = make_client("officer", person_id=crew.persons["Dominic"])
        for number in (1, 2):
            made = dominic.post(
                "/api/v1/comms/channels",
                json={"name": f"Help: {WEST} ({number})", "kind": "group", "rule": {"kind": "all"}},
            )
            assert made.status_code == 201, made.text
        wes = guard(make_client, crew, "Wes")
        called = wes.post(f"/api/v1/posts/{WEST}/help", json={"text": "Blades drawn."})
        assert called.status_code == 201, called.text
        john = make_client("commander", person_id=crew.persons["John"])
        message = john.get(f"/api/v1/comms/messages/{called.json()['message_id']}").json()
        assert message["precedence"] == "flash"
        assert recorded(make_client)["posts.help.requested"] == 1


class TestStatusChecksCannotBeDiverted:
    """The station's status check reaches the quiet post's guards, whatever channels others
    have made in its name."""

    def test_a_channel_named_for_the_checks_with_another_rule(
        self, make_client: Callable[..., TestClient], crew: Station, db: Database, incident: str
    ) -> None:
        """Dominic made "Status checks: South airlock post" reaching himself alone: the
        check still goes to Gail and Sam (it went to him, and the post was never asked)."""
        from datetime import timedelta

        from sqlalchemy import select

        from muster import clock
        from muster.posts.models import StatusCheck
        from muster.posts.quiet import run_quiet_posts

        dominic = make_client("officer", person_id=crew.persons["Dominic"])
        rule = {"kind": "person", "person_id": crew.persons["Dominic"]}
        made = dominic.post(
            "/api/v1/comms/channels",
            json={"name": f"Status checks: {SOUTH}", "kind": "group", "rule": rule},
        )
        assert made.status_code == 201, made.text
        with db.session_scope() as session:
            assert run_quiet_posts(session, now=clock.now() + timedelta(minutes=6)) >= 1
            check = session.scalar(
                select(StatusCheck).where(StatusCheck.post_id == crew.posts[SOUTH])
            )
            assert check is not None
            message_id = check.message_id
        john = make_client("commander", person_id=crew.persons["John"])
        board = john.get(f"/api/v1/comms/messages/{message_id}/board").json()
        asked = {r["person_id"] for r in board["rows"]}
        assert asked == {crew.persons["Gail"], crew.persons["Sam"]}
        message = john.get(f"/api/v1/comms/messages/{message_id}").json()
        assert message["channel_id"] != made.json()["id"]
