"""``muster report`` acts as the signed-in account: a guard reports only for her own post."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from comms.station import Station, build_station
from muster.auth.service import create_account
from muster.config import get_settings
from muster.db import Database
from muster.policy.actor import Actor
from muster.posts.cli import report_app

PASSWORD = "correct horse battery"


@pytest.fixture
def as_gail(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Station]:
    """The station, and the CLI signed in as Gail, a South airlock guard."""
    with db.session_scope() as session:
        crew = build_station(session)
        create_account(
            session,
            username="gail",
            display_name="Gail",
            roles=["guard"],
            password=PASSWORD,
            actor=Actor.system("test"),
            person_id=crew.persons["Gail"],
        )
    monkeypatch.setenv("MUSTER_DATABASE_URL", db.url)
    monkeypatch.setenv("MUSTER_USER", "gail")
    monkeypatch.setenv("MUSTER_PASSWORD", PASSWORD)
    get_settings.cache_clear()
    yield crew
    get_settings.cache_clear()


class TestReportCommand:
    """A report filed at the command line reads back on the board and the post's list."""

    def test_report_then_board(self, as_gail: Station) -> None:
        """Gail reports a standoff with force used; the board shows it, the list reads it."""
        runner = CliRunner()
        filed = runner.invoke(
            report_app,
            [
                "file",
                "South airlock post",
                "--status",
                "force_used",
                "--visitors",
                "15",
                "--force-by",
                "gail",
                "--against-count",
                "2",
                "--means",
                "hand shield",
                "--outcome",
                "Two visitors pushed back from the residents",
            ],
        )
        assert filed.exit_code == 0, filed.output
        assert "1 uses of force recorded" in filed.output
        board = runner.invoke(report_app, ["board"], terminal_width=200)
        assert board.exit_code == 0, board.output
        assert "South airlock post" in board.output
        assert "Force used" in board.output
        listed = runner.invoke(report_app, ["list", "South airlock post"], terminal_width=200)
        assert "South airlock post: Force used. Seen: 15 visitors." in listed.output

    def test_report_for_another_post_is_refused(self, as_gail: Station) -> None:
        """Gail may not report for the West post: the command fails saying why."""
        result = CliRunner().invoke(
            report_app, ["file", "West airlock post", "--status", "quiet"], terminal_width=200
        )
        assert result.exit_code != 0
        assert "may not post.report" in result.output

    def test_force_without_outcome_is_refused(self, as_gail: Station) -> None:
        """Force named without its outcome is refused before anything is written."""
        result = CliRunner().invoke(
            report_app,
            ["file", "South airlock post", "--status", "force_used", "--force-by", "gail"],
        )
        assert result.exit_code != 0
        assert "--outcome" in result.output


class TestWeaponCommand:
    """The force a weapon was used in reads beside its chain of custody."""

    def test_chain_and_force(self, as_gail: Station, db: Database) -> None:
        """Gail reports force with the rifle signed out to her; the weapon command shows both."""
        from posts.conftest import rifle_out_to

        rifle_out_to(db, as_gail, "Gail", "RF-11")
        runner = CliRunner()
        filed = runner.invoke(
            report_app,
            [
                "file", "South airlock post", "--status", "force_used", "--force-by", "gail",
                "--against-count", "1", "--weapon", "RF-11", "--outcome", "Warning shot fired",
            ],
        )  # fmt: skip
        assert filed.exit_code == 0, filed.output
        shown = runner.invoke(report_app, ["weapon", "RF-11"], terminal_width=200)
        assert shown.exit_code == 0, shown.output
        assert "custody 1: out" in shown.output
        assert "Warning shot fired" in shown.output

    def test_out_of_range_force_is_a_message_not_a_traceback(
        self, as_gail: Station, db: Database
    ) -> None:
        """Force options past their limits end the command with what to fix."""
        filed = CliRunner().invoke(
            report_app,
            [
                "file", "South airlock post", "--status", "force_used", "--force-by", "gail",
                "--against-count", "99999", "--outcome", "Driven back",
            ],
        )  # fmt: skip
        assert filed.exit_code == 1
        assert "against_count" in filed.output
        assert filed.exception is None or isinstance(filed.exception, SystemExit)
