"""Quiet posts: asked for a status check after the quiet time; silence escalates as orders do."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from comms.station import Station
from muster import clock
from muster.comms.escalation import escalate_due
from muster.db import Database
from muster.events.models import Event
from muster.posts.models import StatusCheck
from muster.posts.quiet import run_quiet_posts
from muster.posts.settings import get_posts_settings
from posts.conftest import guard

SOUTH = "South airlock post"


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    """Settings read anew for each test (some set the environment)."""
    get_posts_settings.cache_clear()
    yield
    get_posts_settings.cache_clear()


def run_job(db: Database, *, minutes: float) -> int:
    """The quiet-posts job, as the scheduler runs it, ``minutes`` from now."""
    with db.session_scope() as session:
        return run_quiet_posts(session, now=clock.now() + timedelta(minutes=minutes))


def checks(db: Database) -> dict[str, StatusCheck]:
    """Status checks by post id."""
    with db.session_scope(write=False) as session:
        rows = session.scalars(select(StatusCheck)).all()
        session.expunge_all()
        return {r.post_id: r for r in rows}


class TestQuietPosts:
    """During an open incident, a post silent for the quiet time is asked to report."""

    def test_silent_posts_are_asked_once(
        self, make_client: Callable[..., TestClient], crew: Station, db: Database, incident: str
    ) -> None:
        """After five minutes every staffed post is asked; a second pass asks no one again."""
        assert run_job(db, minutes=4) == 0
        assert run_job(db, minutes=6) == 3  # South, West and the hospital desk
        assert run_job(db, minutes=7) == 0
        john = make_client("commander", person_id=crew.persons["John"])
        south = crew.posts[SOUTH]
        message = john.get(f"/api/v1/comms/messages/{checks(db)[south].message_id}").json()
        assert message["text"].startswith("Status check: South airlock post has not reported")
        assert message["requires_ack"] is True
        rows = john.get(f"/api/v1/comms/messages/{message['id']}/board").json()["rows"]
        assert {r["person_id"] for r in rows} == {crew.persons["Gail"], crew.persons["Sam"]}

    def test_a_report_answers_the_check(
        self, make_client: Callable[..., TestClient], crew: Station, db: Database, incident: str
    ) -> None:
        """Gail's report answers the South check and acknowledges it for the post."""
        run_job(db, minutes=6)
        gail = guard(make_client, crew, "Gail")
        gail.post(f"/api/v1/posts/{SOUTH}/reports", json={"status": "quiet"})
        check = checks(db)[crew.posts[SOUTH]]
        assert check.answered_at is not None
        assert check.report_id
        john = make_client("commander", person_id=crew.persons["John"])
        board = john.get(f"/api/v1/comms/messages/{check.message_id}/board").json()
        assert board["result"] == "complete"

    def test_acknowledged_without_a_report_is_asked_again(
        self, make_client: Callable[..., TestClient], crew: Station, db: Database, incident: str
    ) -> None:
        """Gail and Sam acknowledge the check but send no report: after the quiet time again,
        the South post is asked again; before it, not."""
        run_job(db, minutes=6)
        message_id = checks(db)[crew.posts[SOUTH]].message_id
        for name in ("Gail", "Sam"):
            answered = guard(make_client, crew, name).post(
                f"/api/v1/comms/messages/{message_id}/ack", json={}
            )
            assert answered.status_code == 200, answered.text
        assert run_job(db, minutes=8) == 0
        assert run_job(db, minutes=12) == 1

    def test_board_shows_quiet_posts_before_others(
        self,
        make_client: Callable[..., TestClient],
        crew: Station,
        db: Database,
        incident: str,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """With the quiet time at zero, a post that never reported reads as quiet."""
        monkeypatch.setenv("MUSTER_POSTS_QUIET_MINUTES", "0.0001")
        gail = guard(make_client, crew, "Gail")
        gail.post(f"/api/v1/posts/{SOUTH}/reports", json={"status": "quiet"})
        john = make_client("commander", person_id=crew.persons["John"])
        board = john.get("/api/v1/post-board").json()
        west = next(r for r in board if r["post"] == "West airlock post")
        assert west["quiet"] is True
        assert west["words"].startswith("Quiet post: no report for")

    def test_silence_escalates_like_a_silent_order(
        self, make_client: Callable[..., TestClient], crew: Station, db: Database, incident: str
    ) -> None:
        """Unanswered past its deadline, the South check climbs the chain to the commander."""
        run_job(db, minutes=6)
        message_id = checks(db)[crew.posts[SOUTH]].message_id
        with db.session_scope() as session:
            steps = escalate_due(session, now=clock.now() + timedelta(minutes=8))
        step = next(s for s in steps if s.message_id == message_id)
        assert set(step.silent) == {crew.persons["Gail"], crew.persons["Sam"]}
        assert step.escalated_to  # the next rank above the guards
        with db.session_scope(write=False) as session:
            kinds = session.scalars(select(Event.kind).where(Event.kind.like("comms.%"))).all()
        assert "comms.message.escalated" in kinds

    def test_no_checks_without_an_open_incident(self, crew: Station, db: Database) -> None:
        """Outside an incident, silence is not a quiet post."""
        assert run_job(db, minutes=60) == 0

    def test_quiet_time_is_a_setting(
        self, crew: Station, db: Database, incident: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With the quiet time at ten minutes, six minutes of silence asks no one."""
        monkeypatch.setenv("MUSTER_POSTS_QUIET_MINUTES", "10")
        assert run_job(db, minutes=6) == 0
        assert run_job(db, minutes=11) == 3
