"""The comms API: channels, orders, acknowledgements with Idempotency-Key, boards, policy."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from comms.station import Station, airlock_channel
from harness.checkpoints import sign_now, verify_carried
from muster.cli.main import app
from muster.db import Database


class TestOrders:
    """The commander orders every airlock post at flash; posts acknowledge once each."""

    def test_flash_order_and_board(
        self, make_client: Callable[..., TestClient], crew: Station
    ) -> None:
        """Two posts, one answers; the board shows three answered and three waiting."""
        john = make_client("commander", person_id=crew.persons["John"])
        channel = airlock_channel(john)
        sent = john.post(
            "/api/v1/comms/messages",
            json={"channel_id": channel, "precedence": "flash", "text": "Residents stay aboard."},
        )
        assert sent.status_code == 201, sent.text
        message_id = sent.json()["id"]
        gail = make_client("guard", person_id=crew.persons["Gail"])
        post = crew.posts["South airlock post"]
        first = gail.post(
            f"/api/v1/comms/messages/{message_id}/ack",
            json={"post_id": post},
            headers={"Idempotency-Key": "south-1"},
        )
        again = gail.post(
            f"/api/v1/comms/messages/{message_id}/ack",
            json={"post_id": post},
            headers={"Idempotency-Key": "south-1"},
        )
        assert first.status_code == again.status_code == 200
        assert again.json()["replayed"] is True
        board = john.get(f"/api/v1/comms/messages/{message_id}/board").json()
        assert (board["answered"], board["waiting"], board["result"]) == (2, 4, "pending")

    def test_guard_may_not_send_flash(
        self, make_client: Callable[..., TestClient], crew: Station
    ) -> None:
        """A guard's flash broadcast is refused by policy."""
        john = make_client("commander", person_id=crew.persons["John"])
        channel = airlock_channel(john)
        guard = make_client("guard", person_id=crew.persons["Wes"])
        response = guard.post(
            "/api/v1/comms/messages",
            json={"channel_id": channel, "precedence": "flash", "text": "Open the airlock."},
        )
        assert response.status_code == 403

    def test_roll_call_incomplete(
        self, make_client: Callable[..., TestClient], crew: Station
    ) -> None:
        """Closing a roll call with silent posts reports 'incomplete' and names the late."""
        john = make_client("commander", person_id=crew.persons["John"])
        call = john.post(
            "/api/v1/comms/rollcalls",
            json={
                "channel_id": airlock_channel(john),
                "precedence": "immediate",
                "text": "All posts report.",
            },
        )
        assert call.status_code == 201, call.text
        board = john.post(f"/api/v1/comms/messages/{call.json()['id']}/close").json()
        assert board["result"] == "incomplete"
        assert board["late"] == 6

    def test_members_preview(self, make_client: Callable[..., TestClient], crew: Station) -> None:
        """The members endpoint resolves the rule now."""
        john = make_client("commander", person_id=crew.persons["John"])
        members = john.get(f"/api/v1/comms/channels/{airlock_channel(john)}/members").json()
        assert len(members["members"]) == 6


class TestClips:
    """A voice clip is stored and served back byte for byte."""

    def test_upload_and_fetch(self, make_client: Callable[..., TestClient], crew: Station) -> None:
        """The same bytes come back with their audio type."""
        john = make_client("commander", person_id=crew.persons["John"])
        clip = john.post(
            "/api/v1/comms/clips",
            content=b"\x1aE\xdf\xa3webm",
            headers={"Content-Type": "audio/webm"},
        )
        assert clip.status_code == 201, clip.text
        back = john.get(clip.json()["url"])
        assert back.content == b"\x1aE\xdf\xa3webm"
        assert back.headers["content-type"] == "audio/webm"

    def test_not_audio(self, make_client: Callable[..., TestClient], crew: Station) -> None:
        """A clip that is not audio is refused."""
        john = make_client("commander", person_id=crew.persons["John"])
        response = john.post(
            "/api/v1/comms/clips", content=b"hello", headers={"Content-Type": "text/plain"}
        )
        assert response.status_code == 422


class TestRollCallCheckpoint:
    """A roll call's board carries the record's newest signed head, over HTTP and the CLI."""

    def test_board_carries_a_checkpoint_that_verifies(
        self, make_client: Callable[..., TestClient], crew: Station, db: Database, signing_key: Path
    ) -> None:
        """The closed roll call's board, its later reading and ``muster comms board`` agree."""
        john = make_client("commander", person_id=crew.persons["John"])
        make_client("admin", username="admin")  # the local administrator the CLI acts as
        call = john.post(
            "/api/v1/comms/rollcalls",
            json={"channel_id": airlock_channel(john), "text": "All report."},
        ).json()
        signed = sign_now(db, signing_key)
        closed = john.post(f"/api/v1/comms/messages/{call['id']}/close").json()
        assert closed["record_checkpoint"] == signed.to_dict()
        board = john.get(f"/api/v1/comms/messages/{call['id']}/board").json()
        assert board["record_checkpoint"] == signed.to_dict()
        result = verify_carried(signing_key, board["record_checkpoint"])
        assert result.exit_code == 0, result.output
        printed = CliRunner().invoke(app, ["comms", "board", call["id"]])
        assert printed.exit_code == 0, printed.output
        assert f"Signature: {signed.signature}" in printed.output
