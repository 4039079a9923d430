"""Sending, precedence, delivery, reading and acknowledgement of messages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from comms.station import T0, Station, airlock_order, commander
from muster import clock
from muster.comms.enums import ChannelKind, Precedence
from muster.comms.groups import RoleRule
from muster.comms.models import Recipient
from muster.comms.service import (
    create_channel,
    send_message,
)
from muster.comms.settings import CommsSettings
from muster.errors import Invalid
from muster.events.models import Event


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
