"""Committed events feed the node's counters; rolled-back ones do not."""

from __future__ import annotations

from muster.db import Database
from muster.events.service import append_event
from muster.ops.metrics import DECISIONS, ESCALATIONS, EVENTS
from muster.policy.actor import Actor


def _value(counter: object, **labels: str) -> float:
    metric = counter.labels(**labels) if labels else counter  # type: ignore[attr-defined]
    return float(metric._value.get())


class TestCommittedEventsCounted:
    """Decisions by outcome and escalations are counted at commit."""

    def test_decisions_counted_by_outcome(self, db: Database) -> None:
        """An allowed and a denied access.decided add one to each outcome."""
        allowed, denied = _value(DECISIONS, outcome="allowed"), _value(DECISIONS, outcome="denied")
        with db.session_scope() as s:
            for ok in (True, False):
                append_event(
                    s, kind="access.decided", actor=Actor.system("t"), payload={"allowed": ok}
                )
        assert _value(DECISIONS, outcome="allowed") == allowed + 1
        assert _value(DECISIONS, outcome="denied") == denied + 1

    def test_escalations_counted(self, db: Database) -> None:
        """A comms.message.escalated event counts one escalation fired."""
        before = _value(ESCALATIONS)
        with db.session_scope() as s:
            append_event(s, kind="comms.message.escalated", actor=Actor.system("t"), payload={})
        assert _value(ESCALATIONS) == before + 1

    def test_rollback_counts_nothing(self, db: Database) -> None:
        """Events of a rolled-back transaction are not counted."""
        before = _value(EVENTS, domain="rolledback")
        s = db.write_session()
        append_event(s, kind="rolledback.thing", actor=Actor.system("t"), payload={})
        s.rollback()
        s.close()
        assert _value(EVENTS, domain="rolledback") == before
