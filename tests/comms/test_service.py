"""Sending, precedence, delivery, reading and acknowledgement of messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from comms.station import Station
from muster import clock
from muster.comms.enums import ChannelKind, MessageKind, Precedence, RollCallResult
from muster.comms.groups import PersonRule, PostsRule, RoleRule
from muster.comms.models import Recipient
from muster.comms.service import (
    acknowledge,
    close_message,
    create_channel,
    ensure_broadcast_channel,
    mark_delivered,
    mark_read,
    send_message,
)
from muster.comms.settings import CommsSettings
from muster.errors import Conflict, Invalid
from muster.events.models import Event
from muster.policy.actor import Actor

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def commander(station: Station) -> Actor:
    """John, acting through his account."""
    return Actor(
        kind="account",
        id="acct-john",
        name="John",
        roles=frozenset({"commander"}),
        person_id=station.persons["John"],
    )


def airlock_order(session: Session, station: Station, **kw: object) -> str:
    """Send John's flash order to every airlock post; return the message id."""
    channel = create_channel(
        session,
        name="Airlock posts",
        kind=ChannelKind.GROUP,
        rule=PostsRule(portal_kind="airlock"),
        actor=commander(station),
    )
    message = send_message(
        session,
        channel_id=channel.id,
        precedence=kw.pop("precedence", Precedence.FLASH),  # type: ignore[arg-type]
        text="Visitors may leave. Residents may not leave with them.",
        actor=commander(station),
        **kw,  # type: ignore[arg-type]
    )
    return message.id


class TestSend:
    """A message records one copy per recipient resolved at send time, and an event."""

    def test_recipients_and_event(self, session: Session, station: Station) -> None:
        """Six airlock recipients, each with their post, and a sent event naming them."""
        with clock.frozen_at(T0):
            message_id = airlock_order(session, station)
        rows = session.scalars(select(Recipient).where(Recipient.message_id == message_id)).all()
        assert len(rows) == 6
        assert all(r.post_id for r in rows)
        event = session.scalars(select(Event).where(Event.kind == "comms.message.sent")).one()
        assert set(event.payload["recipients"]) == {r.person_id for r in rows}
        assert station.persons["Gail"] in event.subjects

    def test_channel_reaching_no_one(self, session: Session, station: Station) -> None:
        """A channel whose rule matches no one refuses to send."""
        channel = create_channel(
            session,
            name="Engineers",
            kind=ChannelKind.GROUP,
            rule=RoleRule(role="engineer"),
            actor=commander(station),
        )
        with pytest.raises(Invalid):
            send_message(
                session,
                channel_id=channel.id,
                precedence=Precedence.ROUTINE,
                text="Report",
                actor=commander(station),
            )

    def test_direct_channel_needs_person_rule(self, session: Session, station: Station) -> None:
        """A direct channel with a group rule is refused."""
        with pytest.raises(Invalid):
            create_channel(
                session,
                name="Direct",
                kind=ChannelKind.DIRECT,
                rule=RoleRule(role="medic"),
                actor=commander(station),
            )

    def test_duplicate_channel_name(self, session: Session, station: Station) -> None:
        """Two channels may not share a name."""
        rule = PersonRule(person_id=station.persons["Mary"])
        create_channel(
            session, name="Mary", kind=ChannelKind.DIRECT, rule=rule, actor=commander(station)
        )
        with pytest.raises(Conflict):
            create_channel(
                session, name="Mary", kind=ChannelKind.DIRECT, rule=rule, actor=commander(station)
            )


class TestPrecedence:
    """Precedence sets whether an answer is required and how long recipients have."""

    @pytest.mark.parametrize(
        ("precedence", "seconds"),
        [(Precedence.FLASH, 60), (Precedence.IMMEDIATE, 300), (Precedence.PRIORITY, 1800)],
    )
    def test_default_deadlines(
        self, session: Session, station: Station, precedence: Precedence, seconds: int
    ) -> None:
        """Flash 60 s, immediate 5 min, priority 30 min."""
        with clock.frozen_at(T0):
            message_id = airlock_order(session, station, precedence=precedence)
        from muster.comms.service import get_message

        assert get_message(session, message_id).due_at == T0 + timedelta(seconds=seconds)

    def test_routine_needs_no_answer(self, session: Session, station: Station) -> None:
        """A routine message carries no deadline unless asked."""
        from muster.comms.service import get_message

        message_id = airlock_order(session, station, precedence=Precedence.ROUTINE)
        message = get_message(session, message_id)
        assert not message.requires_ack
        assert message.due_at is None

    def test_configured_deadline(self, session: Session, station: Station) -> None:
        """MUSTER_COMMS_FLASH_ACK_SECONDS (here given directly) changes the flash deadline."""
        from muster.comms.service import get_message

        with clock.frozen_at(T0):
            message_id = airlock_order(
                session, station, settings=CommsSettings(flash_ack_seconds=5)
            )
        assert get_message(session, message_id).due_at == T0 + timedelta(seconds=5)

    def test_order_of_precedence(self) -> None:
        """Flash ranks before immediate, priority and routine."""
        ranks = [p.rank for p in (Precedence.FLASH, Precedence.IMMEDIATE, Precedence.ROUTINE)]
        assert ranks == sorted(ranks)


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


class TestLargeAudience:
    """A broadcast to many keeps per-person rows but does not name everyone in the event."""

    def test_event_stays_small(self, session: Session, station: Station) -> None:
        """Above the limit the event carries a count, and every recipient still has a row."""
        from muster.comms import service as svc

        original = svc.EVENT_RECIPIENT_LIMIT
        svc.EVENT_RECIPIENT_LIMIT = 3
        try:
            message_id = airlock_order(session, station)
        finally:
            svc.EVENT_RECIPIENT_LIMIT = original
        event = session.scalars(select(Event).where(Event.kind == "comms.message.sent")).one()
        assert "recipients" not in event.payload
        assert event.payload["recipient_count"] == 6
        rows = session.scalars(select(Recipient).where(Recipient.message_id == message_id))
        assert len(rows.all()) == 6
