"""The crash harness: drive door traffic at a node, SIGKILL it at random, check the record.

A client walks persons out through a portal and back in: for each move it asks for a
decision, then reports the passage with an ``Idempotency-Key``; between moves it
acknowledges an order for one of them, also with a key. Meanwhile the node is
killed with SIGKILL at random moments and started again. Whatever was in flight when the
node died is retried with the same key until the node answers. Afterwards ``check`` proves:

- every decision the client saw acknowledged is stored once, with one ``access.decided``;
- every passage the client saw acknowledged is stored once under its key, with one
  ``access.passage.recorded``, and nothing else was recorded;
- every acknowledgement the client saw is stored (the person's acknowledged time is set),
  with exactly one ``comms.message.acknowledged`` event per person acknowledged;
- the event chain verifies;
- head counts agree with the passages: each person is where their last passage put them.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from harness.nodes import Node
from harness.waiting import until
from muster.access.models import Decision, Passage
from muster.access.presence import head_counts
from muster.comms.models import Recipient
from muster.db import Database
from muster.events.models import Event
from muster.events.service import verify_chain

RETRYABLE = (httpx.TransportError,)


@dataclass
class Traffic:
    """What the client saw acknowledged, and where each person should be."""

    decisions: set[str] = field(default_factory=set)
    passages: dict[str, str] = field(default_factory=dict)  # key -> passage id
    zone_of: dict[str, str] = field(default_factory=dict)  # person ref -> zone id
    acks: dict[str, str] = field(default_factory=dict)  # key -> person id acknowledged
    retries: int = 0
    refused: int = 0


@dataclass(frozen=True)
class Order:
    """The order the client acknowledges, person by person, and who it was sent to."""

    message_id: str
    person_ids: dict[str, str]  # person ref -> person id


@dataclass(frozen=True)
class Portal:
    """The airlock the traffic goes through: its id and the zones either side."""

    id: str
    inside_zone_id: str
    outside_zone_id: str


class Client:
    """Sends one move at a time to whichever node is current, retrying through crashes."""

    def __init__(self, node: Node, token: str, portal: Portal, traffic: Traffic) -> None:
        self.node = node
        self.headers = {"Authorization": f"Bearer {token}"}
        self.portal = portal
        self.traffic = traffic

    def _post(
        self, path: str, body: Mapping[str, object], key: str | None = None
    ) -> httpx.Response:
        headers = {**self.headers, **({"Idempotency-Key": key} if key else {})}
        while True:
            try:
                r = httpx.post(f"{self.node.url}{path}", json=body, headers=headers, timeout=5)
            except RETRYABLE:
                self.traffic.retries += 1
                time.sleep(0.05)
                continue
            if r.status_code >= 500:  # a node dying mid-answer; the key makes this safe
                self.traffic.retries += 1
                time.sleep(0.05)
                continue
            return r

    def move(self, person: str, direction: str) -> None:
        """Ask for a decision and, if allowed, report the passage once."""
        base = f"/api/v1/portals/{self.portal.id}"
        r = self._post(f"{base}/requests", {"persons": [person], "direction": direction})
        r.raise_for_status()
        decision = r.json()["decisions"][0]
        self.traffic.decisions.add(decision["decision_id"])
        if not decision["allowed"]:
            self.traffic.refused += 1
            return
        key = str(uuid.uuid4())
        body = {"person": person, "direction": direction}
        r = self._post(f"{base}/passages", body, key)
        if r.status_code not in (200, 201):
            raise AssertionError(f"passage refused: {r.status_code} {r.text}")
        self.traffic.passages[key] = r.json()["id"]
        target = self.portal.outside_zone_id if direction == "exit" else self.portal.inside_zone_id
        self.traffic.zone_of[person] = target

    def acknowledge(self, order: Order, person: str) -> None:
        """Acknowledge ``order`` for one person, once, retrying through crashes."""
        key = str(uuid.uuid4())
        body = {"person_ids": [order.person_ids[person]]}
        r = self._post(f"/api/v1/comms/messages/{order.message_id}/ack", body, key)
        if r.status_code != 200:
            raise AssertionError(f"acknowledgement refused: {r.status_code} {r.text}")
        self.traffic.acks[key] = order.person_ids[person]


def run(
    node: Node,
    *,
    token: str,
    portal: Portal,
    persons: list[str],
    kills: int,
    order: Order | None = None,
    seed: int = 0,
    up_seconds: tuple[float, float] = (0.2, 0.9),
) -> tuple[Traffic, int]:
    """Drive traffic while killing ``node`` ``kills`` times; returns (traffic, kills done)."""
    rng = random.Random(seed)
    traffic = Traffic(zone_of=dict.fromkeys(persons, portal.inside_zone_id))
    client = Client(node, token, portal, traffic)
    done = threading.Event()
    killed = 0

    def killer() -> None:
        nonlocal killed
        while killed < kills:
            # Each life of the node carries traffic, however slow the machine: a new passage
            # first, then a kill at a random moment after it.
            served = len(traffic.passages)
            until(lambda served=served: len(traffic.passages) > served, every=0.01)
            time.sleep(rng.uniform(*up_seconds))
            node.kill()
            killed += 1
            node.start()
            node.wait_ready()
        done.set()

    thread = threading.Thread(target=killer, name="killer", daemon=True)
    thread.start()
    while not done.is_set():
        person = rng.choice(persons)
        if order is not None and rng.random() < 0.3:
            client.acknowledge(order, person)  # a repeat for the same person changes nothing
            continue
        inside = traffic.zone_of[person] == portal.inside_zone_id
        client.move(person, "exit" if inside else "enter")
    thread.join()
    return traffic, killed


@dataclass
class Findings:
    """What ``check`` found wrong; empty lists when the record is whole."""

    problems: list[str] = field(default_factory=list)
    passages: int = 0
    decisions: int = 0

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems


def _check_acks(s: Session, traffic: Traffic, order: Order, found: Findings) -> None:
    acked = set(
        s.scalars(
            select(Recipient.person_id).where(
                Recipient.message_id == order.message_id, Recipient.acked_at.is_not(None)
            )
        )
    )
    seen = set(traffic.acks.values())
    if seen - acked:
        found.problems.append(f"{len(seen - acked)} acknowledged persons are not stored as such")
    if acked - seen:
        found.problems.append(f"{len(acked - seen)} persons stored as acknowledged by no one")
    events = s.scalar(
        select(func.count()).select_from(Event).where(Event.kind == "comms.message.acknowledged")
    )
    if events != len(acked):
        found.problems.append(f"{events} acknowledgement events for {len(acked)} persons")


def check(db: Database, traffic: Traffic, portal: Portal, order: Order | None = None) -> Findings:
    """Compare what the client saw acknowledged with what the database holds."""
    found = Findings()
    with db.session_scope(write=False) as s:
        if order is not None:
            _check_acks(s, traffic, order, found)
        stored = dict(s.execute(select(Passage.idempotency_key, Passage.id)).all())
        found.passages = len(stored)
        for key, passage_id in traffic.passages.items():
            if stored.get(key) != passage_id:
                found.problems.append(f"acknowledged passage {key} is not stored as {passage_id}")
        extra = set(stored) - set(traffic.passages)
        if extra:
            found.problems.append(f"{len(extra)} passages stored that were never acknowledged")
        decisions = set(s.scalars(select(Decision.id)))
        found.decisions = len(decisions)
        missing = traffic.decisions - decisions
        if missing:
            found.problems.append(f"{len(missing)} acknowledged decisions are not stored")
        kinds = Counter(
            dict(s.execute(select(Event.kind, func.count()).group_by(Event.kind)).all())
        )
        if kinds["access.passage.recorded"] != len(stored):
            found.problems.append(
                f"{kinds['access.passage.recorded']} passage events for {len(stored)} passages"
            )
        if kinds["access.decided"] != len(decisions):
            found.problems.append(
                f"{kinds['access.decided']} decision events for {len(decisions)} decisions"
            )
        report = verify_chain(s)
        if not report.ok:
            found.problems.append(f"chain broken at {report.first_bad_seq}: {report.problem}")
        counts = head_counts(s).by_zone
        expected = Counter(traffic.zone_of.values())
        for zone in (portal.inside_zone_id, portal.outside_zone_id):
            if counts.get(zone, 0) != expected.get(zone, 0):
                found.problems.append(
                    f"zone {zone}: head count {counts.get(zone, 0)}, passages say "
                    f"{expected.get(zone, 0)}"
                )
    return found
