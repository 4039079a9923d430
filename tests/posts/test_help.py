"""Help needed: the commander and the post's officers are paged at flash, acknowledged."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update

from comms.station import Station
from muster.auth.models import Account
from muster.db import Database
from posts.conftest import guard

WEST = "West airlock post"


def board_of(client: TestClient, message_id: str) -> dict[str, Any]:
    """The acknowledgement board of a message."""
    response = client.get(f"/api/v1/comms/messages/{message_id}/board")
    assert response.status_code == 200, response.text
    return dict(response.json())


class TestHelp:
    """One call from a post pages the chain of command, station staff only."""

    def test_pages_commander_and_the_posts_officers_at_flash(
        self, make_client: Callable[..., TestClient], crew: Station, incident: str
    ) -> None:
        """Wes calls help at the West post: John, Dominic and Ken are paged; no one else."""
        wes = guard(make_client, crew, "Wes")
        wes.post(f"/api/v1/posts/{WEST}/reports", json={"status": "standoff", "visitors": 10})
        response = wes.post(f"/api/v1/posts/{WEST}/help", json={"text": "Blades drawn."})
        assert response.status_code == 201, response.text
        john = make_client("commander", person_id=crew.persons["John"])
        message = john.get(f"/api/v1/comms/messages/{response.json()['message_id']}").json()
        assert message["precedence"] == "flash"
        assert message["requires_ack"] is True
        assert "Blades drawn." in message["text"]
        assert "Last report" in message["text"]
        assert "Standoff" in message["text"]
        paged = {r["person_id"] for r in board_of(john, message["id"])["rows"]}
        people = crew.persons
        assert paged == {people["John"], people["Dominic"], people["Ken"]}
        assert people["Bahati"] not in paged  # the visiting commander is never paged (P6)

    def test_guard_calls_help_only_from_her_own_post(
        self, make_client: Callable[..., TestClient], crew: Station, incident: str
    ) -> None:
        """Gail of the South post may not call help for the West post."""
        gail = guard(make_client, crew, "Gail")
        response = gail.post(f"/api/v1/posts/{WEST}/help", json={})
        assert response.status_code == 403
        assert "post.help" in response.json()["detail"]

    def test_south_help_pages_no_west_officer(
        self, make_client: Callable[..., TestClient], crew: Station, incident: str
    ) -> None:
        """Officers assigned elsewhere are not paged: only the commander for the South post."""
        gail = guard(make_client, crew, "Gail")
        response = gail.post("/api/v1/posts/South airlock post/help", json={})
        assert response.status_code == 201, response.text
        john = make_client("commander", person_id=crew.persons["John"])
        rows = board_of(john, response.json()["message_id"])["rows"]
        assert {r["person_id"] for r in rows} == {crew.persons["John"]}

    def test_help_is_open_on_the_board_until_acknowledged(
        self, make_client: Callable[..., TestClient], crew: Station, incident: str
    ) -> None:
        """The board puts the West post first while its call is unanswered, then not."""
        wes = guard(make_client, crew, "Wes")
        message_id = wes.post(f"/api/v1/posts/{WEST}/help", json={}).json()["message_id"]
        john = make_client("commander", person_id=crew.persons["John"])
        first = john.get("/api/v1/post-board").json()[0]
        assert first["post"] == WEST
        assert first["help_open"]
        assert first["colour"] == "red"
        assert first["words"].startswith("Help needed.")
        for name in ("John", "Dominic", "Ken"):
            who = make_client("officer", person_id=crew.persons[name])
            assert who.post(f"/api/v1/comms/messages/{message_id}/ack", json={}).status_code == 200
        west = next(r for r in john.get("/api/v1/post-board").json() if r["post"] == WEST)
        assert west["help_open"] is False

    def test_unanswered_help_escalates_like_a_silent_flash_order(
        self, make_client: Callable[..., TestClient], crew: Station, db: Database, incident: str
    ) -> None:
        """Nobody answers Wes's call: past the flash deadline the comms escalation resends it
        to those still silent, as for any flash order; once all answer, it stops."""
        from datetime import timedelta

        from muster import clock
        from muster.comms.escalation import escalate_due

        wes = guard(make_client, crew, "Wes")
        message_id = wes.post(f"/api/v1/posts/{WEST}/help", json={}).json()["message_id"]
        with db.session_scope() as session:
            steps = escalate_due(session, now=clock.now() + timedelta(minutes=10))
        step = next(s for s in steps if s.message_id == message_id)
        people = crew.persons
        assert set(step.silent) == {people["John"], people["Dominic"], people["Ken"]}
        john = make_client("commander", person_id=people["John"])
        assert board_of(john, message_id)["result"] != "answered"
        for name in ("John", "Dominic", "Ken"):
            who = make_client("officer", person_id=people[name])
            assert who.post(f"/api/v1/comms/messages/{message_id}/ack", json={}).status_code == 200
        with db.session_scope() as session:
            later = escalate_due(session, now=clock.now() + timedelta(minutes=30))
        assert all(s.message_id != message_id for s in later)

    def test_nobody_to_page_is_a_clear_conflict(
        self, make_client: Callable[..., TestClient], crew: Station, db: Database
    ) -> None:
        """With the commander's account inactive, the South post is told to call by voice."""
        with db.session_scope() as session:
            session.execute(
                update(Account).where(Account.username == "station-john").values(active=False)
            )
        gail = guard(make_client, crew, "Gail")
        response = gail.post("/api/v1/posts/South airlock post/help", json={})
        assert response.status_code == 409, response.text
        assert "call the command deck by voice" in response.json()["detail"]
