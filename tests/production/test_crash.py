"""Durability under faults: nodes SIGKILLed at random, PostgreSQL restarted under load."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from access.station import build_station
from harness import crash
from harness.nodes import Node
from harness.waiting import until
from muster.comms.channels import create_channel
from muster.comms.enums import ChannelKind, Precedence
from muster.comms.groups import AnyOfRule, PersonRule
from muster.comms.service import send_message
from muster.db import Database
from muster.events.models import PendingEvent
from muster.people.enums import Affiliation
from muster.policy.actor import Actor
from production.conftest import admin_token

pytestmark = [pytest.mark.production, pytest.mark.slow(weight=16)]  # collected first
KILLS = int(os.environ.get("MUSTER_CRASH_KILLS", "20"))
RESIDENTS = [f"R{i}" for i in range(6)]


def _unsealed(db: Database) -> int:
    with db.session_scope(write=False) as s:
        return s.scalar(select(func.count()).select_from(PendingEvent)) or 0


def _station(url: str) -> tuple[crash.Portal, crash.Order]:
    """The door the residents use, and an order to them that each must acknowledge."""
    db = Database(url)
    try:
        with db.session_scope() as s:
            st = build_station(s)
            ids = {
                name: st.add_person(name, Affiliation.RESIDENT, zone="south").id
                for name in RESIDENTS
            }
            p = st.portals["Hospital door"]  # residents pass it both ways
            channel = create_channel(
                s,
                name="Residents on the ring",
                kind=ChannelKind.GROUP,
                rule=AnyOfRule(rules=[PersonRule(person_id=i) for i in ids.values()]),
                actor=Actor.system("test"),
            )
            message = send_message(
                s,
                channel_id=channel.id,
                precedence=Precedence.PRIORITY,
                text="Report to the hospital for screening.",
                actor=Actor.system("test"),
            )
            portal = crash.Portal(p.id, p.inside_zone_id, p.outside_zone_id)
            return portal, crash.Order(message.id, ids)
    finally:
        db.dispose()


class TestKilledNode:
    """Whatever the client saw acknowledged survives SIGKILL exactly once."""

    def test_random_kills(self, any_url: str, nodes: Callable[..., Node]) -> None:
        """Twenty kills at random moments lose nothing acknowledged and record nothing twice."""
        token = admin_token(any_url)
        portal, order = _station(any_url)
        node = nodes(any_url, fast=True)
        traffic, killed = crash.run(
            node,
            token=token,
            portal=portal,
            persons=RESIDENTS,
            kills=KILLS,
            order=order,
            seed=KILLS,
        )
        assert killed == KILLS
        db = Database(any_url)
        try:
            # Decisions and acknowledgements are sealed after commit: what a killed node left
            # pending is sealed by the node that came up after it, and nothing stays unsealed.
            assert until(lambda: _unsealed(db) == 0)
            found = crash.check(db, traffic, portal, order)
        finally:
            db.dispose()
        assert found.ok, found.problems
        assert found.passages == len(traffic.passages)
        assert traffic.acks  # acknowledgements ran between kills too
        assert found.passages >= KILLS  # a passage in every life of the node
        assert traffic.retries > 0  # and some writes were in flight at a kill

    def test_check_catches_a_lost_passage(self, sqlite_url: str) -> None:
        """The checker is not vacuous: a passage acknowledged but not stored is reported."""
        portal, _order = _station(sqlite_url)
        traffic = crash.Traffic(zone_of=dict.fromkeys(RESIDENTS, portal.inside_zone_id))
        traffic.passages["never-stored"] = "p-1"
        db = Database(sqlite_url)
        try:
            found = crash.check(db, traffic, portal)
        finally:
            db.dispose()
        assert not found.ok
        assert "never-stored" in found.problems[0]

    def test_check_catches_a_lost_acknowledgement(self, sqlite_url: str) -> None:
        """An acknowledgement the client saw but the record lacks is reported."""
        portal, order = _station(sqlite_url)
        traffic = crash.Traffic(zone_of=dict.fromkeys(RESIDENTS, portal.inside_zone_id))
        traffic.acks["k-1"] = order.person_ids[RESIDENTS[0]]
        db = Database(sqlite_url)
        try:
            found = crash.check(db, traffic, portal, order)
        finally:
            db.dispose()
        assert found.problems == ["1 acknowledged persons are not stored as such"]


def _pg_version() -> str:
    return sorted(os.listdir("/etc/postgresql"))[-1]


@pytest.mark.postgres
@pytest.mark.pg_restart
class TestPostgresRestart:
    """The node rides through a PostgreSQL restart under load."""

    def test_restart_under_load(
        self, pg_url: str, nodes: Callable[..., Node], tmp_path: Path
    ) -> None:
        """Readiness goes false then true, traffic resumes, nothing is half-written."""
        if os.environ.get("MUSTER_ALLOW_PG_RESTART") != "1":
            pytest.skip("restarts the shared PostgreSQL: set MUSTER_ALLOW_PG_RESTART=1 (CI does)")
        token = admin_token(pg_url)
        portal, _order = _station(pg_url)
        node = nodes(pg_url, fast=True)
        traffic = crash.Traffic(zone_of=dict.fromkeys(RESIDENTS, portal.inside_zone_id))
        client = crash.Client(node, token, portal, traffic)
        stop = threading.Event()
        readiness: list[bool] = []

        def drive() -> None:
            i = 0
            while not stop.is_set():
                person = RESIDENTS[i % len(RESIDENTS)]
                inside = traffic.zone_of[person] == portal.inside_zone_id
                client.move(person, "exit" if inside else "enter")
                i += 1

        def watch() -> None:
            while not stop.is_set():
                try:
                    ok = httpx.get(f"{node.url}/readyz", timeout=2).status_code == 200
                except httpx.HTTPError:
                    ok = False
                if not readiness or readiness[-1] != ok:
                    readiness.append(ok)
                time.sleep(0.05)

        threads = [threading.Thread(target=drive), threading.Thread(target=watch)]
        for t in threads:
            t.start()
        try:
            assert until(lambda: len(traffic.passages) >= 5)  # traffic is flowing
            before = len(traffic.passages)
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", _pg_version(), "main", "restart"],
                check=True,
                capture_output=True,
            )
            until(lambda: len(traffic.passages) >= before + 20)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=30)
        assert readiness[:1] == [True]
        assert False in readiness
        assert readiness[-1] is True
        assert len(traffic.passages) >= before + 20
        db = Database(pg_url)
        try:
            found = crash.check(db, traffic, portal)
        finally:
            db.dispose()
        assert found.ok, found.problems
