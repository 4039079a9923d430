"""The chain of command and P6: escalations, orders and roll calls reach station staff only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from comms.station import Station, build_station
from muster import clock
from muster.comms.enums import ChannelKind, MessageKind, Precedence
from muster.comms.escalation import escalate_due
from muster.comms.groups import AllRule, PostsRule, RoleRule, resolve_rule
from muster.comms.models import Recipient
from muster.comms.service import acknowledge, create_channel, send_message
from muster.db import Database
from muster.medical.enums import Condition
from muster.medical.models import Admission
from muster.people.enums import PersonStatus
from muster.people.models import Person
from muster.places.models import PostAssignment
from muster.policy.actor import Actor

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DESK = Actor(kind="account", id="acct-desk", name="Command desk", roles=frozenset({"commander"}))


@pytest.fixture
def crew(db: Database) -> Station:
    """The station, committed."""
    with db.session_scope() as session:
        return build_station(session)


def admit(session: Session, person_id: str) -> None:
    """Put a person in a hospital bed."""
    session.add(
        Admission(
            person_id=person_id,
            condition=Condition.SERIOUS,
            admitted_at=clock.now(),
            admitted_by="Mary",
        )
    )
    session.flush()


def west_post_all_silent(session: Session, station: Station) -> str:
    """A flash order from the desk to the airlock posts; only the South post answers."""
    channel = create_channel(
        session,
        name="Airlock posts",
        kind=ChannelKind.GROUP,
        rule=PostsRule(portal_kind="airlock"),
        actor=DESK,
    )
    with clock.frozen_at(T0):
        message = send_message(
            session,
            channel_id=channel.id,
            precedence=Precedence.FLASH,
            text="Residents stay aboard.",
            actor=DESK,
        )
        acknowledge(
            session, message_id=message.id, actor=DESK, post_id=station.posts["South airlock post"]
        )
    return message.id


class TestEscalationFollowsTheChain:
    """Silence climbs the station's staff by rank, skipping the silent, never the visitors."""

    def test_silent_officers_skipped_to_the_commander(
        self, session: Session, station: Station
    ) -> None:
        """The West post's officers are silent too: the commander is told, not Bahati."""
        message_id = west_post_all_silent(session, station)
        steps = escalate_due(session, now=T0 + timedelta(seconds=60))
        assert steps[0].escalated_to == [station.persons["John"]]
        told = session.scalars(
            select(Recipient.person_id).where(Recipient.message_id == message_id)
        ).all()
        assert station.persons["Bahati"] not in told

    def test_hospitalised_commander_is_skipped(self, session: Session, station: Station) -> None:
        """With John in a hospital bed there is no one above the silent officers to tell."""
        admit(session, station.persons["John"])
        west_post_all_silent(session, station)
        steps = escalate_due(session, now=T0 + timedelta(seconds=60))
        assert steps[0].escalated_to == []
        assert steps[0].exhausted

    def test_a_superior_at_the_same_post_first(self, session: Session, station: Station) -> None:
        """Of two officers, the one standing at the silent guard's post is told."""
        channel = create_channel(
            session,
            name="West guards",
            kind=ChannelKind.GROUP,
            rule=RoleRule(role="guard"),
            actor=DESK,
        )
        with clock.frozen_at(T0):
            message = send_message(
                session,
                channel_id=channel.id,
                precedence=Precedence.FLASH,
                text="Report.",
                actor=DESK,
            )
            acknowledge(
                session,
                message_id=message.id,
                actor=DESK,
                person_ids=[station.persons[n] for n in ("Gail", "Sam", "Tara")],
            )
        # Ken leaves the West post: only Dominic stands there with Wes.
        assigned = select(PostAssignment).where(PostAssignment.person_id == station.persons["Ken"])
        for row in session.scalars(assigned):
            session.delete(row)
        session.flush()
        steps = escalate_due(session, now=T0 + timedelta(seconds=60))
        assert steps[0].escalated_to == [station.persons["Dominic"]]


class TestOrdersReachTheStationOnly:
    """No rule, direct channel or account reaches the visiting party (P6)."""

    def test_role_rule_leaves_out_the_visiting_commander(
        self, session: Session, station: Station
    ) -> None:
        """A 'commander' channel reaches John, not Bahati whom the registry calls commander."""
        members = {m.person_id for m in resolve_rule(session, RoleRule(role="commander"))}
        assert members == {station.persons["John"]}

    def test_no_direct_channel_to_a_visitor(
        self, make_client: Callable[..., TestClient], crew: Station
    ) -> None:
        """A direct station channel to Bahati is refused with the reason."""
        response = make_client("commander").post(
            "/api/v1/comms/channels",
            json={
                "name": "To Bahati",
                "kind": "direct",
                "rule": {"kind": "person", "person_id": crew.persons["Bahati"]},
            },
        )
        assert response.status_code == 422, response.text
        assert "visiting party" in response.json()["detail"]

    def test_no_station_role_for_a_visitor(
        self, client: TestClient, make_client: Callable[..., TestClient], crew: Station
    ) -> None:
        """An administrator cannot give Bahati's account the commander role; without roles,
        her account reads no station order."""
        body = {
            "username": "bahati",
            "display_name": "Bahati",
            "password": "correct horse battery",
            "person_id": crew.persons["Bahati"],
        }
        refused = client.post("/api/v1/accounts", json={**body, "roles": ["commander"]})
        assert refused.status_code == 422, refused.text
        assert "visiting party" in refused.json()["detail"]
        bahati = make_client(username="bahati-plain", person_id=crew.persons["Bahati"])
        assert bahati.get("/api/v1/comms/messages").status_code == 403


class TestRollCallAccountsForThoseWhoCannotAnswer:
    """A roll call reports the sender, the hospitalised and the deceased apart from the silent."""

    def test_roll_call_board(
        self, db: Database, make_client: Callable[..., TestClient], crew: Station
    ) -> None:
        """John calls the roll; Mary is in a bed, Lisa dies; the rest answer: complete."""
        john = make_client("commander", person_id=crew.persons["John"])
        channel = john.post(
            "/api/v1/comms/channels",
            json={"name": "Everyone", "kind": "group", "rule": {"kind": "all"}},
        ).json()["id"]
        called = john.post(
            "/api/v1/comms/rollcalls", json={"channel_id": channel, "text": "All report."}
        )
        assert called.status_code == 201, called.text
        assert called.json()["kind"] == MessageKind.ROLL_CALL.value
        roll = called.json()["id"]
        with db.session_scope() as session:
            admit(session, crew.persons["Mary"])
            lisa = session.get(Person, crew.persons["Lisa"])
            assert lisa is not None
            lisa.status = PersonStatus.DECEASED
        board = john.get(f"/api/v1/comms/messages/{roll}/board").json()
        status = {r["name"]: r["status"] for r in board["rows"]}
        assert status["John"] == "sender"
        assert status["Mary"] == "hospitalised"
        assert status["Lisa"] == "deceased"
        assert "Bahati" not in status
        assert (board["sender"], board["hospitalised"], board["deceased"]) == (1, 1, 1)
        others = [r["person_id"] for r in board["rows"] if r["status"] == "waiting"]
        assert len(others) == 6
        answered = john.post(f"/api/v1/comms/messages/{roll}/ack", json={"person_ids": others})
        assert answered.json()["complete"] is True
        assert john.get(f"/api/v1/comms/messages/{roll}/board").json()["result"] == "complete"

    def test_escalation_leaves_them_out(self, session: Session, station: Station) -> None:
        """At the deadline the hospitalised and the deceased are not counted silent."""
        admit(session, station.persons["Wes"])
        channel = create_channel(
            session, name="Everyone", kind=ChannelKind.GROUP, rule=AllRule(), actor=DESK
        )
        with clock.frozen_at(T0):
            roll = send_message(
                session,
                channel_id=channel.id,
                precedence=Precedence.IMMEDIATE,
                text="All report.",
                kind=MessageKind.ROLL_CALL,
                actor=DESK,
            )
        tara = session.get(Person, station.persons["Tara"])
        assert tara is not None
        tara.status = PersonStatus.DECEASED
        steps = escalate_due(session, now=T0 + timedelta(minutes=5))
        silent = set(steps[0].silent)
        assert station.persons["Wes"] not in silent
        assert station.persons["Tara"] not in silent
        assert station.persons["Gail"] in silent
        assert roll.id == steps[0].message_id
