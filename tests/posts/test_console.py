"""The console: the board on the overview and the report form on an airlock post's page."""

from __future__ import annotations

from fastapi.testclient import TestClient

from comms.station import Station
from console.helpers import PASSWORD, ConsoleKit, landing, sign_in, submit
from muster.auth.service import create_account
from muster.policy.actor import Actor


def operator(kit: ConsoleKit, crew: Station, name: str, role: str) -> TestClient:
    """A console browser signed in as ``name`` of the station, with ``role``."""
    username = f"{name.lower()}-console"
    with kit.db.session_scope() as session:
        create_account(
            session,
            username=username,
            display_name=name,
            roles=[role],
            password=PASSWORD,
            actor=Actor.system("test"),
            person_id=crew.persons[name],
        )
    return sign_in(kit.browser(), username)


class TestReportForm:
    """A guard reports from her airlock's page; the board on the overview shows it."""

    def test_guard_reports_and_the_board_shows_it(self, console: ConsoleKit, crew: Station) -> None:
        """Gail sends a standoff report from the South airlock page; John's board reads it."""
        gail = operator(console, crew, "Gail", "guard")
        page = f"/posts/{crew.portals['South airlock']}"
        assert "Report this post" in gail.get(page).text
        sent = submit(
            gail,
            page,
            f"{page}/situation",
            {"post_id": crew.posts["South airlock post"], "status": "standoff", "visitors": 15},
        )
        assert "Report sent: Standoff." in landing(gail, sent)
        john = operator(console, crew, "John", "commander")
        overview = john.get("/").text
        assert 'id="post-board"' in overview
        assert "Standoff" in overview
        assert "15 visitors" in overview

    def test_no_form_on_another_posts_page(self, console: ConsoleKit, crew: Station) -> None:
        """Gail sees no report form on the West airlock's page, and a forged post is refused."""
        gail = operator(console, crew, "Gail", "guard")
        page = f"/posts/{crew.portals['West airlock']}"
        assert "Report this post" not in gail.get(page).text
        forged = submit(
            gail,
            page,
            f"{page}/situation",
            {"post_id": crew.posts["West airlock post"], "status": "quiet"},
        )
        assert "may not post.report" in landing(gail, forged)

    def test_help_button_pages_at_flash(self, console: ConsoleKit, crew: Station) -> None:
        """Help needed from the West page puts the post first on the board as help needed."""
        wes = operator(console, crew, "Wes", "guard")
        page = f"/posts/{crew.portals['West airlock']}"
        called = submit(wes, page, f"{page}/help", {"post_id": crew.posts["West airlock post"]})
        assert "Help called" in landing(wes, called)
        john = operator(console, crew, "John", "commander")
        board = john.get("/fragments/post_board").text
        assert 'data-help="open"' in board
        assert board.index("West airlock post") < board.index("South airlock post")

    def test_resent_form_files_once(self, console: ConsoleKit, crew: Station) -> None:
        """The same form sent twice (a double tap) files one report."""
        gail = operator(console, crew, "Gail", "guard")
        page = f"/posts/{crew.portals['South airlock']}"
        html = gail.get(page).text
        key = html.split('name="key" value="')[1].split('"')[0]
        token = html.split('name="csrf_token" value="')[1].split('"')[0]
        form = {
            "csrf_token": token,
            "post_id": crew.posts["South airlock post"],
            "status": "standoff",
            "key": key,
        }
        for _ in range(2):
            assert gail.post(f"{page}/situation", data=form).status_code == 303
        john = operator(console, crew, "John", "commander")
        listed = john.get(f"/api/v1/posts/{crew.posts['South airlock post']}/reports")
        assert listed.json()["total"] == 1

    def test_bad_status_is_named(self, console: ConsoleKit, crew: Station) -> None:
        """A status outside the list comes back as a refusal naming it, not an error page."""
        gail = operator(console, crew, "Gail", "guard")
        page = f"/posts/{crew.portals['South airlock']}"
        sent = submit(
            gail,
            page,
            f"{page}/situation",
            {"post_id": crew.posts["South airlock post"], "status": "chaos"},
        )
        assert "Refused:" in landing(gail, sent)
