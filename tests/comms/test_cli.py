"""The comms CLI: send and board against a database named by the environment."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from comms.station import build_station
from muster.comms.cli import comms_app
from muster.config import get_settings
from muster.db import Database


class TestSendAndBoard:
    """A roll call sent from the command line shows on its board."""

    def test_roll_call(self, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
        """Sending to the broadcast channel then reading its board shows everyone waiting."""
        from muster.auth.service import create_account
        from muster.comms.service import ensure_broadcast_channel
        from muster.policy.actor import Actor

        with db.session_scope() as session:
            build_station(session)  # its crew accounts mean no first-run admin is made
            create_account(
                session,
                username="admin",
                display_name="Administrator",
                roles=["admin"],
                password="correct horse battery",
                actor=Actor.system("test"),
            )
            ensure_broadcast_channel(session, actor=Actor.system("test"))
        monkeypatch.setenv("MUSTER_DATABASE_URL", db.url)
        get_settings.cache_clear()
        try:
            runner = CliRunner()
            sent = runner.invoke(
                comms_app, ["send", "All stations", "All posts report", "--roll-call"]
            )
            assert sent.exit_code == 0, sent.output
            message_id = sent.stdout.split()[1]
            shown = runner.invoke(comms_app, ["board", message_id])
            assert "0 answered, 0 late: pending" in shown.output
        finally:
            get_settings.cache_clear()
