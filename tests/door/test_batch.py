"""A door's journal uploaded in batches: one request, each entry landing exactly once,
each authorized as its single upload is; a batch partly refused loses and doubles nothing."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from door.conftest import DoorKit, MakeClient
from door.test_freshness import _place_hold
from door.test_reconcile import _ana_leaving
from muster import clock
from muster.access.enums import Direction
from muster.access.models import Decision, Passage
from muster.db import new_id
from muster.door.journal import REQUEST, Entry
from muster.door.link import _batch_entry
from muster.events.chain import format_time
from muster.events.models import Event

JOURNAL = "/api/v1/doors/journal"


def _decided(kit: DoorKit, person: str, direction: str = "exit") -> Entry:
    """The journal entry of the door's decision for ``person`` (the link is stopped)."""
    request_id = kit.decide(person, direction)["request_id"]
    return kit.door.journal.entries_of(REQUEST, request_id)[0]


def _forged(kit: DoorKit) -> dict[str, Any]:
    """A permit for Ana, held, sent with her own facts (the hold included): a request body
    Cedar denies on the facts it carries."""
    return {
        "request_id": new_id(),
        "direction": "exit",
        "policy_version": "shipped",
        "decided_at": format_time(clock.now()),
        "replica_rows": kit.heads()[1],
        "decisions": [
            {
                "decision_id": new_id(),
                "person_ref": "Ana",
                "person_id": kit.ids["Ana"],
                "allowed": True,
                "rule_ids": ["exit.station.transfer"],
                "explanation": "Permitted at the door.",
                "cedar_input": _ana_leaving(kit),
            }
        ],
    }


def _send(kit: DoorKit, entries: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """The batch posted with the door's token: (key, status) of each entry answered."""
    with kit.link.client() as http:
        answer = http.post(JOURNAL, json={"entries": entries})
    assert answer.status_code == 200, answer.text
    return [(a["key"], a["status"]) for a in answer.json()["entries"]]


def _stored(kit: DoorKit, request_id: str) -> int:
    with kit.db.session_scope(write=False) as s:
        return int(
            s.scalar(
                select(func.count()).select_from(Decision).where(Decision.request_id == request_id)
            )
            or 0
        )


class TestBatchOverHttp:
    """The batch route, driven with the door's own token."""

    def test_a_duplicate_lands_once(self, kit: DoorKit) -> None:
        """An entry twice in one batch, and the batch sent again: each lands once; the
        repeats answer 200, as a single upload's retry does."""
        kit.link.stop()
        ana, bo = _decided(kit, "Ana"), _decided(kit, "Bo", "enter")
        kit.door.record_passage(
            portal_id=kit.ids["South airlock"],
            person_ref="Ana",
            direction=Direction.EXIT,
            idempotency_key="pass-1",
        )
        passage = kit.door.journal.entries_of("passage", "pass-1")[0]
        batch = [_batch_entry(e) for e in (ana, ana, passage, passage, bo)]
        first = _send(kit, batch)
        assert [s for _k, s in first] == [201, 200, 201, 200, 201]
        again = _send(kit, batch)
        assert [s for _k, s in again] == [200] * 5
        assert (_stored(kit, ana.key), _stored(kit, bo.key)) == (1, 1)
        with kit.db.session_scope(write=False) as s:
            passages = s.scalars(select(Passage).where(Passage.idempotency_key == "pass-1"))
            assert len(passages.all()) == 1

    def test_a_forged_entry_is_refused_alone(self, kit: DoorKit, make_client: MakeClient) -> None:
        """A permit Cedar denies on its own facts is a 409 for that entry, never stored; the
        entries around it land; the passage it would have allowed is refused."""
        kit.link.stop()
        bo = _decided(kit, "Bo", "enter")
        _place_hold(make_client, kit.ids["Ana"])
        forged = _forged(kit)
        south = kit.ids["South airlock"]
        entries = [
            _batch_entry(bo),
            {"kind": "request", "key": forged["request_id"], "portal_id": south, "body": forged},
            {
                "kind": "passage",
                "key": "forged-pass",
                "portal_id": south,
                "body": {"person": kit.ids["Ana"], "direction": "exit"},
            },
        ]
        answered = _send(kit, entries)
        assert [s for _k, s in answered] == [201, 409, 409]
        assert (_stored(kit, bo.key), _stored(kit, forged["request_id"])) == (1, 0)
        with kit.db.session_scope(write=False) as s:
            assert s.scalar(select(func.count()).select_from(Passage)) == 0

    def test_an_unbound_portal_stops_the_batch(self, kit: DoorKit) -> None:
        """An entry for a portal outside the door's binding is a 403, as alone; what came
        before it lands, what comes after is not attempted (the door sends it again)."""
        kit.link.stop()
        first, last = _decided(kit, "Bo", "enter"), _decided(kit, "Ana")
        stray = {**_batch_entry(_decided(kit, "Bo")), "portal_id": kit.ids["West airlock"]}
        stray["key"] = stray["body"]["request_id"] = new_id()
        answered = _send(kit, [_batch_entry(first), stray, _batch_entry(last)])
        assert answered == [(first.key, 201), (stray["key"], 403)]
        assert (_stored(kit, first.key), _stored(kit, last.key)) == (1, 0)
        assert _send(kit, [_batch_entry(last)]) == [(last.key, 201)]

    def test_an_observer_uploads_nothing(self, kit: DoorKit, make_client: MakeClient) -> None:
        """Each entry is authorized as its single upload: an observer's batch is a 403 at the
        first entry and stores nothing."""
        kit.link.stop()
        bo = _decided(kit, "Bo", "enter")
        answer = make_client("observer").post(JOURNAL, json={"entries": [_batch_entry(bo)]})
        assert answer.status_code == 200, answer.text
        assert [e["status"] for e in answer.json()["entries"]] == [403]
        assert _stored(kit, bo.key) == 0


class TestDoorUploadsInBatches:
    """The door's uploader: one request for what is pending, one commit of the marks."""

    def counted(self, kit: DoorKit) -> tuple[httpx.Client, list[str]]:
        sent: list[str] = []
        http = kit.link.client()
        http.event_hooks["request"].append(lambda r: sent.append(f"{r.method} {r.url.path}"))
        return http, sent

    def test_partly_refused_batch(self, kit: DoorKit, make_client: MakeClient) -> None:
        """A forged entry among good ones: the good ones land once, the forged one is kept
        as refused and raised to the post; one request for the three, one for the alert."""
        kit.link.stop()
        before = _decided(kit, "Bo", "enter")
        _place_hold(make_client, kit.ids["Ana"])
        forged = _forged(kit)
        kit.door.journal.write(
            key=forged["request_id"],
            kind=REQUEST,
            portal_id=kit.ids["South airlock"],
            body=forged,
        )
        after = _decided(kit, "Bo", "enter")
        http, sent = self.counted(kit)
        with http:
            assert kit.link.upload_once(http) == 4  # the three, then the refusal's alert
        assert sent == [f"POST {JOURNAL}"] * 2
        outcomes = [(e.kind, e.outcome.split(":")[0]) for e in kit.door.journal.entries()]
        assert outcomes == [
            ("request", "201"),
            ("request", "refused"),
            ("request", "201"),
            ("alert", "201"),
        ]
        assert [_stored(kit, k) for k in (before.key, forged["request_id"], after.key)] == [
            1,
            0,
            1,
        ]
        with kit.db.session_scope(write=False) as s:
            alerts = s.scalars(select(Event).where(Event.kind == "access.alert")).all()
            about = [a.payload["about"] for a in alerts]
        assert about.count("door.upload_refused") == 1

    def test_unbound_portal_keeps_the_rest(self, kit: DoorKit) -> None:
        """An entry the server will not take yet (a portal the token is not bound to) stays
        pending with every entry after it; nothing is marked that the server lacks."""
        kit.link.stop()
        first = _decided(kit, "Bo", "enter")
        stray = _decided(kit, "Bo")
        unbound = new_id()
        kit.door.journal.write(
            key=unbound,
            kind=REQUEST,
            portal_id=kit.ids["West airlock"],
            body={**stray.body, "request_id": unbound},
        )
        last = _decided(kit, "Ana")
        http, sent = self.counted(kit)
        with http:
            assert kit.link.upload_once(http) == 2
        assert sent == [f"POST {JOURNAL}"]
        assert kit.door.journal.pending_count() == 2
        assert [_stored(kit, k) for k in (first.key, stray.key, last.key)] == [1, 1, 0]
