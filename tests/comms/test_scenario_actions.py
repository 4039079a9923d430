"""The comms scenario actions and checks: the flash order, acknowledgements, one post silent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from comms.station import Station
from muster.comms import scenario_actions as sa
from muster.policy.actor import Actor
from muster.scenario.actions import ActionContext
from muster.scenario.checks import CheckContext

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def ctx(session: Session, station: Station, at: datetime) -> ActionContext:
    """An inject context for John at ``at``."""
    john = Actor(
        kind="account", id="acct-john", name="John", roles=frozenset({"commander"}),
        person_id=station.persons["John"],
    )  # fmt: skip
    return ActionContext(session, john, at)


class TestCrisisOrders:
    """The commander's flash order: South answers, West stays silent and is escalated."""

    def test_order_silence_escalation(self, session: Session, station: Station) -> None:
        """One escalation, the West post late, the South post answered, result incomplete."""
        from muster import clock

        with clock.frozen_at(T0):
            sa.open_channel(
                ctx(session, station, T0),
                sa.ChannelArgs(name="Airlock posts", portal_kind="airlock"),
            )
            line = sa.send_order(
                ctx(session, station, T0),
                sa.SendArgs(channel="Airlock posts", text="Residents stay.", precedence="flash"),
            )
            assert line == "flash to Airlock posts: 6 recipients"
            sa.acknowledge_order(
                ctx(session, station, T0),
                sa.AckArgs(channel="Airlock posts", post="South airlock post", key="south"),
            )
        later = T0 + timedelta(seconds=60)
        with clock.frozen_at(later):
            done = sa.run_escalations(ctx(session, station, later), sa.EscalateArgs())
        assert done == "1 message(s) escalated; 4 recipient(s) silent"
        check = CheckContext(session)
        assert sa.count_escalations(
            check, sa.EscalationCountArgs(channel="Airlock posts", equals=1)
        ).held
        late = sa.BoardArgs(
            channel="Airlock posts", status="late", post="West airlock post", equals=4
        )
        assert sa.count_on_board(check, late).held
        answered = sa.BoardArgs(channel="Airlock posts", status="answered", equals=2)
        assert sa.count_on_board(check, answered).held
        assert sa.message_result(
            check, sa.ResultArgs(channel="Airlock posts", equals="incomplete")
        ).held
