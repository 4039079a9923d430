"""Recipients of a message: delivery, reading and acknowledgement, and closing an order.

One answers for oneself and for a post one stands at; answering or reporting for anyone
else is command's (``comms.acknowledge.others``); closing is command's too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from comms.station import T0, Station, airlock_channel, airlock_order, commander
from muster import clock
from muster.comms.enums import MessageKind, Precedence, RollCallResult
from muster.comms.service import (
    acknowledge,
    close_message,
    ensure_broadcast_channel,
    mark_delivered,
    mark_read,
    send_message,
)
from muster.errors import Conflict, Forbidden, Invalid
from muster.events.models import Event
from muster.policy.actor import Actor

MakeClient = Callable[..., TestClient]


def guard(station: Station, name: str) -> Actor:
    """A guard of the station acting through her account."""
    return Actor(
        kind="account",
        id=f"acct-{name}",
        name=name,
        roles=frozenset({"guard"}),
        person_id=station.persons[name],
    )


class TestAcknowledge:
    """Acknowledgement is explicit, per person or per post, and idempotent under retry."""

    def test_own_ack(self, session: Session, station: Station) -> None:
        """A recipient acknowledges for themself."""
        message_id = airlock_order(session, station)
        gail = Actor(
            kind="token", id="t-gail", name="Gail", roles=frozenset({"guard"}),
            person_id=station.persons["Gail"],
        )  # fmt: skip
        outcome = acknowledge(session, message_id=message_id, actor=gail)
        assert outcome.acknowledged == [station.persons["Gail"]]

    def test_retry_with_same_key(self, session: Session, station: Station) -> None:
        """The same Idempotency-Key twice records one acknowledgement and one event."""
        message_id = airlock_order(session, station)
        post = station.posts["South airlock post"]
        first = acknowledge(
            session, message_id=message_id, actor=commander(station), post_id=post, key="k1"
        )
        again = acknowledge(
            session, message_id=message_id, actor=commander(station), post_id=post, key="k1"
        )
        assert again.replayed
        assert again.acknowledged == first.acknowledged
        session.commit()  # an acknowledgement's event is in the log once committed
        events = session.scalars(select(Event).where(Event.kind == "comms.message.acknowledged"))
        assert len(events.all()) == 1

    def test_key_reused_for_another_request(self, session: Session, station: Station) -> None:
        """A key reused with a different body is a conflict, not a silent success."""
        message_id = airlock_order(session, station)
        acknowledge(
            session,
            message_id=message_id,
            actor=commander(station),
            post_id=station.posts["South airlock post"],
            key="k2",
        )
        with pytest.raises(Conflict):
            acknowledge(
                session,
                message_id=message_id,
                actor=commander(station),
                post_id=station.posts["West airlock post"],
                key="k2",
            )

    def test_retry_without_key_records_nothing_new(
        self, session: Session, station: Station
    ) -> None:
        """Acknowledging twice without a key reports the second as already done."""
        message_id = airlock_order(session, station)
        pid = station.persons["Wes"]
        acknowledge(session, message_id=message_id, actor=commander(station), person_ids=[pid])
        second = acknowledge(
            session, message_id=message_id, actor=commander(station), person_ids=[pid]
        )
        assert second.acknowledged == []
        assert second.already == [pid]

    def test_all_posts_answer_closes(self, session: Session, station: Station) -> None:
        """When both posts acknowledge, the order is complete and no longer due."""
        from muster.comms.service import get_message

        message_id = airlock_order(session, station)
        for post in ("South airlock post", "West airlock post"):
            outcome = acknowledge(
                session,
                message_id=message_id,
                actor=commander(station),
                post_id=station.posts[post],
            )
        assert outcome.complete
        assert get_message(session, message_id).due_at is None

    def test_non_recipient_must_name_whom(self, session: Session, station: Station) -> None:
        """Someone not addressed cannot acknowledge without naming persons or a post."""
        message_id = airlock_order(session, station)
        with pytest.raises(Invalid):
            acknowledge(session, message_id=message_id, actor=Actor.system("x"))


class TestDeliveryAndReading:
    """Delivery and reading are recorded once per recipient."""

    def test_first_time_only(self, session: Session, station: Station) -> None:
        """A second delivery report keeps the first time."""
        message_id = airlock_order(session, station)
        pid = station.persons["Sam"]
        with clock.frozen_at(T0):
            mark_delivered(session, message_id=message_id, person_id=pid, actor=Actor.system())
        with clock.frozen_at(T0 + timedelta(seconds=5)):
            row = mark_delivered(
                session, message_id=message_id, person_id=pid, actor=Actor.system()
            )
            read = mark_read(session, message_id=message_id, person_id=pid, actor=Actor.system())
        assert row.delivered_at == T0
        assert read.read_at == T0 + timedelta(seconds=5)


class TestRollCall:
    """A roll call closed with silent posts is explicitly incomplete."""

    def test_closed_short(self, session: Session, station: Station) -> None:
        """Closing before everyone answered gives the result 'incomplete'."""
        channel = ensure_broadcast_channel(session, actor=commander(station))
        message = send_message(
            session,
            channel_id=channel.id,
            precedence=Precedence.IMMEDIATE,
            text="All posts report",
            actor=commander(station),
            kind=MessageKind.ROLL_CALL,
        )
        closed = close_message(session, message_id=message.id, actor=commander(station))
        assert closed.result == RollCallResult.INCOMPLETE.value


class TestReportingForOthers:
    """A guard reports delivery and reading for herself only; command may for anyone."""

    def test_a_guard_reports_for_herself(self, session: Session, station: Station) -> None:
        message_id = airlock_order(session, station)
        row = mark_delivered(session, message_id=message_id, actor=guard(station, "Gail"))
        assert row.person_id == station.persons["Gail"]
        with pytest.raises(Forbidden, match=r"comms\.acknowledge\.others"):
            mark_read(
                session,
                message_id=message_id,
                person_id=station.persons["Sam"],
                actor=guard(station, "Gail"),
            )

    def test_an_account_without_a_person(self, session: Session, station: Station) -> None:
        message_id = airlock_order(session, station)
        with pytest.raises(Invalid, match="not linked to a person"):
            mark_delivered(session, message_id=message_id, actor=Actor.system("x"))

    def test_a_guard_closes_no_order(self, session: Session, station: Station) -> None:
        message_id = airlock_order(session, station)
        with pytest.raises(Forbidden, match=r"comms\.broadcast"):
            close_message(session, message_id=message_id, actor=guard(station, "Gail"))
        assert close_message(session, message_id=message_id, actor=commander(station)).closed_at


class TestOverHttp:
    """The same rules over the API."""

    def test_guard_may_not_ack_for_other_post(
        self, make_client: Callable[..., TestClient], crew: Station
    ) -> None:
        """A South guard cannot acknowledge for the West post."""
        john = make_client("commander", person_id=crew.persons["John"])
        message_id = john.post(
            "/api/v1/comms/messages",
            json={"channel_id": airlock_channel(john), "precedence": "flash", "text": "Hold."},
        ).json()["id"]
        gail = make_client("guard", person_id=crew.persons["Gail"])
        response = gail.post(
            f"/api/v1/comms/messages/{message_id}/ack",
            json={"post_id": crew.posts["West airlock post"]},
        )
        assert response.status_code == 403

    def test_a_post_with_no_recipient(self, make_client: MakeClient, crew: Station) -> None:
        """Acknowledging for a post the order did not reach says so."""
        john = make_client("commander", person_id=crew.persons["John"])
        message_id = john.post(
            "/api/v1/comms/messages",
            json={"channel_id": airlock_channel(john), "precedence": "flash", "text": "Hold."},
        ).json()["id"]
        response = john.post(
            f"/api/v1/comms/messages/{message_id}/ack",
            json={"post_id": crew.posts["Hospital desk"]},
        )
        assert response.status_code == 404, response.text
        assert "stands at post" in response.json()["detail"]

    def test_an_unknown_message(self, make_client: MakeClient, crew: Station) -> None:
        gail = make_client("guard", person_id=crew.persons["Gail"])
        response = gail.post("/api/v1/comms/messages/nope/ack", json={})
        assert response.status_code == 404, response.text
        assert "no message" in response.json()["detail"]
