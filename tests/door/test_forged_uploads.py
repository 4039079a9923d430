"""Door uploads whose permit is not a request for the passage it would allow: refused and
never stored, on the batch route and the single one (found by the hostile review: a held
person's airlock exit asked as an internal door's ``pass`` was permitted and recorded)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from door.conftest import DoorKit, MakeClient
from door.test_batch import JOURNAL, _decided, _forged, _send, _stored
from door.test_freshness import _place_hold
from muster.access.models import Passage
from muster.db import new_id
from muster.door.link import _batch_entry


def _passages(kit: DoorKit) -> int:
    with kit.db.session_scope(write=False) as s:
        return int(s.scalar(select(func.count()).select_from(Passage)) or 0)


def _as_batch(kit: DoorKit, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "request",
        "key": body["request_id"],
        "portal_id": kit.ids["South airlock"],
        "body": body,
    }


def _ana_out(kit: DoorKit) -> dict[str, Any]:
    return {
        "kind": "passage",
        "key": f"out-{new_id()}",
        "portal_id": kit.ids["South airlock"],
        "body": {"person": kit.ids["Ana"], "direction": "exit"},
    }


class TestNotThisPassage:
    """A permit whose stored Cedar request is another action, person or portal."""

    @pytest.mark.parametrize(
        ("part", "value", "words"),
        [
            ("action", "pass", "asked as 'pass', not 'exit'"),
            ("person", "someone-else", "another person's request"),
            ("portal", "another-portal", "a request at another portal"),
        ],
    )
    def test_refused_in_a_batch_and_no_passage(
        self, kit: DoorKit, make_client: MakeClient, part: str, value: str, words: str
    ) -> None:
        """Ana is held; her exit sent with her own facts but asked as another request is a
        409 naming what is wrong, and her exit is not recorded."""
        kit.link.stop()
        _place_hold(make_client, kit.ids["Ana"])
        forged = _forged(kit)
        stored = forged["decisions"][0]["cedar_input"]
        if part == "action":
            stored["action"] = value
        else:
            stored[part]["uid"]["id"] = value
        with kit.link.client() as http:
            answer = http.post(JOURNAL, json={"entries": [_as_batch(kit, forged), _ana_out(kit)]})
        assert answer.status_code == 200, answer.text
        entries = answer.json()["entries"]
        assert [e["status"] for e in entries] == [409, 409], entries
        assert words in entries[0]["detail"], entries[0]
        assert _stored(kit, forged["request_id"]) == 0
        assert _passages(kit) == 0

    def test_refused_on_the_single_route(self, kit: DoorKit) -> None:
        """Bo (crew, no duty pass) is denied an exit at the door; his exit asked as ``pass``
        and uploaded alone is a 409, and no passage can follow it."""
        kit.link.stop()
        honest = _decided(kit, "Bo")
        assert not honest.body["decisions"][0]["allowed"]
        body = dict(honest.body, request_id=new_id())
        decision = dict(body["decisions"][0], decision_id=new_id(), allowed=True)
        decision["cedar_input"] = dict(decision["cedar_input"], action="pass")
        body["decisions"] = [decision]
        south = kit.ids["South airlock"]
        with kit.link.client() as http:
            sent = http.post(
                f"/api/v1/doors/portals/{south}/requests",
                json=body,
                headers={"Idempotency-Key": body["request_id"]},
            )
            assert sent.status_code == 409, sent.text
            passage = http.post(
                f"/api/v1/portals/{south}/passages",
                json={"person": "Bo", "direction": "exit"},
                headers={"Idempotency-Key": "bo-out"},
            )
        assert passage.status_code == 409, passage.text
        assert _passages(kit) == 0


class TestMalformed:
    """Entries the server cannot evaluate or store are the entry's 422, not a 500 that
    would stall the door's whole journal behind them."""

    @pytest.mark.parametrize(
        "mangle",
        [
            lambda c: c.update(person={"uid": 5, "attrs": {"held": "yes"}}),
            lambda c: c.update(portal={"x": None}),
            lambda c: c.update(context="x"),
            lambda c: c.update(person=[[[]]]),
        ],
        ids=["uid-not-an-entity", "portal-without-uid", "context-not-a-map", "person-a-list"],
    )
    def test_a_cedar_request_of_the_wrong_shape(self, kit: DoorKit, mangle: Any) -> None:
        """The entry is a 422; the entries after it are still taken."""
        kit.link.stop()
        forged = _forged(kit)
        mangle(forged["decisions"][0]["cedar_input"])
        bo = _decided(kit, "Bo", "enter")
        answered = _send(kit, [_as_batch(kit, forged), _batch_entry(bo)])
        assert answered == [(forged["request_id"], 422), (bo.key, 201)]

    def test_a_decision_dated_in_year_one(self, kit: DoorKit) -> None:
        """A decided_at no door journal can hold (it overflowed the UTC conversion)."""
        kit.link.stop()
        forged = _forged(kit)
        forged["decided_at"] = "0001-01-01T00:00:00+14:00"
        assert _send(kit, [_as_batch(kit, forged)]) == [(forged["request_id"], 422)]


class TestSameKeyOtherRequest:
    """A request_id already stored, sent again with other decisions, is a 409: the door
    must not mark a different entry as landed."""

    def test_other_decisions_under_a_stored_request_id(self, kit: DoorKit) -> None:
        kit.link.stop()
        bo = _decided(kit, "Bo", "enter")
        first = _batch_entry(bo)
        other = _batch_entry(bo)
        other["body"] = dict(
            bo.body,
            decisions=[dict(bo.body["decisions"][0], decision_id=new_id(), allowed=False)],
        )
        assert _send(kit, [first]) == [(bo.key, 201)]
        assert _send(kit, [first]) == [(bo.key, 200)]
        assert _send(kit, [other]) == [(bo.key, 409)]
        assert _stored(kit, bo.key) == 1
