"""Two nodes on one PostgreSQL: live events everywhere, failover, timed work done once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from access.station import build_station
from comms.station import build_station as build_comms_station
from harness.nodes import Node
from harness.sse import StreamReader
from harness.waiting import BOUND, until
from muster import clock
from muster.comms.enums import ChannelKind, Precedence
from muster.comms.groups import PostsRule
from muster.comms.service import create_channel, send_message
from muster.comms.settings import CommsSettings
from muster.db import Database
from muster.events.models import Event, EventSubject
from muster.events.service import last_seq, verify_chain
from muster.people.enums import Affiliation
from muster.policy.actor import Actor
from production.conftest import admin_token

pytestmark = [pytest.mark.postgres, pytest.mark.production, pytest.mark.slow(weight=24)]


def _station(url: str) -> tuple[str, int]:
    db = Database(url)
    try:
        with db.session_scope() as s:
            st = build_station(s)
            for i in range(10):
                st.add_person(f"V{i}", Affiliation.VISITOR, party=st.vessel, zone="south")
            portal = st.portals["South airlock"].id
        with db.session_scope(write=False) as s:
            return portal, last_seq(s)
    finally:
        db.dispose()


def _decide(node: Node, token: str, portal: str, person: str) -> None:
    r = httpx.post(
        f"{node.url}/api/v1/portals/{portal}/requests",
        json={"persons": [person], "direction": "exit"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert r.status_code == 200, r.text


class TestConsolesAcrossNodes:
    """Every console sees every event once, in order, even when its node is killed."""

    def test_failover_resumes_with_nothing_missed_or_repeated(
        self, pg_url: str, nodes: Callable[..., Node]
    ) -> None:
        """A console on a SIGKILLed node resumes on the other from Last-Event-ID."""
        portal, start = _station(pg_url)
        token = admin_token(pg_url)
        a, b = nodes(pg_url), nodes(pg_url)
        on_a = StreamReader([a.url, b.url], token, after=start).start()
        on_b = StreamReader([b.url, a.url], token, after=start).start()
        try:
            for i in range(40):
                writer = a if i % 2 == 0 and a.alive else b
                _decide(writer, token, portal, f"V{i % 10}")
                if i == 20:
                    assert on_a.wait_for(start + 1, BOUND)
                    a.kill()  # mid-stream: events keep coming through B
            db = Database(pg_url)
            with db.session_scope(write=False) as s:
                final = last_seq(s)
                assert verify_chain(s).ok
            db.dispose()
            assert on_a.wait_for(final, BOUND)
            assert on_b.wait_for(final, BOUND)
        finally:
            on_a.stop()
            on_b.stop()
        expected = list(range(start + 1, final + 1))
        assert [e.seq for e in on_a.received] == expected
        assert [e.seq for e in on_b.received] == expected
        assert on_a.connects[0] == a.url
        assert b.url in on_a.connects[1:]

    def test_events_written_on_one_node_reach_the_other(
        self, pg_url: str, nodes: Callable[..., Node]
    ) -> None:
        """A decision made on node A reaches a console on node B, live (how fast is measured
        by bench/nodes.py, not asserted here)."""
        token = admin_token(pg_url)
        portal, start = _station(pg_url)
        a, b = nodes(pg_url, fast=True), nodes(pg_url, fast=True)
        reader = StreamReader([b.url], token, after=start).start()
        try:
            _decide(a, token, portal, "V1")
            assert reader.wait_for(start + 1, BOUND)
            assert reader.received[0].kind == "access.decided"
        finally:
            reader.stop()


def _due_orders(url: str, *due_in: float) -> list[str]:
    """Flash orders to the airlock posts nobody will answer, falling due in ``due_in`` s."""
    settings = CommsSettings()
    db = Database(url)
    try:
        with db.session_scope() as s:
            station = build_comms_station(s)
            john = Actor(
                kind="account",
                id="acct-john",
                name="John",
                roles=frozenset({"commander"}),
                person_id=station.persons["John"],
            )
            channel = create_channel(
                s,
                name="Airlock posts",
                kind=ChannelKind.GROUP,
                rule=PostsRule(portal_kind="airlock"),
                actor=john,
            )
            ids = []
            for seconds in due_in:
                back = timedelta(seconds=settings.flash_ack_seconds - seconds)
                with clock.frozen_at(clock.now() - back):
                    message = send_message(
                        s,
                        channel_id=channel.id,
                        precedence=Precedence.FLASH,
                        text="All posts report.",
                        actor=john,
                    )
                ids.append(message.id)
            return ids
    finally:
        db.dispose()


class TestTimedWorkOnce:
    """A job that falls due while two nodes run is done by exactly one of them."""

    def test_escalation_fires_once_across_two_nodes(
        self, pg_url: str, nodes: Callable[..., Node]
    ) -> None:
        """The first escalation of a silent order is recorded once, not once per node."""
        a, b = nodes(pg_url, fast=True), nodes(pg_url, fast=True)
        assert a.alive
        assert b.alive
        # The second order falls due later: once it has escalated, both schedulers have
        # ticked past the first order's deadline many times (awaited, not slept).
        message_id, marker_id = _due_orders(pg_url, 1.5, 3.0)
        assert until(lambda: _comms_counts(pg_url, marker_id).get("comms.message.escalated"))
        counts = _comms_counts(pg_url, message_id)
        assert counts.get("comms.message.resent") == 1
        assert counts.get("comms.message.escalated") == 1


def _comms_counts(url: str, message_id: str) -> dict[str, int]:
    """How many times each comms event was recorded about one message."""
    db = Database(url)
    try:
        with db.session_scope(write=False) as s:
            rows = s.execute(
                select(Event.kind, func.count())
                .join(EventSubject, EventSubject.seq == Event.seq)
                .where(EventSubject.subject == message_id, Event.kind.like("comms.%"))
                .group_by(Event.kind)
            ).all()
    finally:
        db.dispose()
    return {str(kind): int(count) for kind, count in rows}
