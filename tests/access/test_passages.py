"""Passages: once per key, only after a recent permit, moving presence and head counts."""

from __future__ import annotations

import pytest

from access.station import Station
from muster.access.decisions import decide_request
from muster.access.enums import Direction
from muster.access.passages import record_passage
from muster.access.presence import head_counts, place_of
from muster.errors import Conflict
from muster.people.enums import Affiliation
from muster.policy.actor import Actor

GUARD = Actor(kind="account", id="acc-guard", name="Guard", roles=frozenset({"guard"}))
OFFICER = Actor(kind="account", id="acc-officer", name="Officer", roles=frozenset({"officer"}))


def _permit_and_pass(st: Station, name: str, key: str, direction: Direction) -> bool:
    decide_request(
        st.session, portal_id="South airlock", person_refs=[name], direction=direction, actor=GUARD
    )
    return record_passage(
        st.session,
        portal_id="South airlock",
        person_ref=name,
        direction=direction,
        idempotency_key=key,
        actor=GUARD,
    ).created


class TestIdempotentPassages:
    """A retry with the same key records nothing more; a passage needs a permit."""

    def test_retry_records_once(self, station: Station) -> None:
        station.add_person("Zane", Affiliation.VISITOR, party=station.vessel, zone="south")
        assert _permit_and_pass(station, "Zane", "k1", Direction.EXIT)
        again = record_passage(
            station.session,
            portal_id="South airlock",
            person_ref="Zane",
            direction=Direction.EXIT,
            idempotency_key="k1",
            actor=GUARD,
        )
        assert not again.created
        assert again.passage is not None
        assert again.passage.person_id == station.persons["Zane"].id

    def test_key_reused_for_other_person(self, station: Station) -> None:
        station.add_person("Zane", Affiliation.VISITOR, party=station.vessel, zone="south")
        station.add_person("Kito", Affiliation.VISITOR, party=station.vessel, zone="south")
        _permit_and_pass(station, "Zane", "k1", Direction.EXIT)
        with pytest.raises(Conflict):
            record_passage(
                station.session,
                portal_id="South airlock",
                person_ref="Kito",
                direction=Direction.EXIT,
                idempotency_key="k1",
                actor=GUARD,
            )

    def test_needs_permit(self, station: Station) -> None:
        station.add_person("Ana", Affiliation.RESIDENT, zone="south")
        decide_request(
            station.session,
            portal_id="South airlock",
            person_refs=["Ana"],
            direction=Direction.EXIT,
            actor=GUARD,
        )
        with pytest.raises(Conflict, match="no recent unused permit"):
            record_passage(
                station.session,
                portal_id="South airlock",
                person_ref="Ana",
                direction=Direction.EXIT,
                idempotency_key="k",
                actor=GUARD,
            )

    def test_permit_used_once(self, station: Station) -> None:
        station.add_person("Zane", Affiliation.VISITOR, party=station.vessel, zone="south")
        _permit_and_pass(station, "Zane", "k1", Direction.EXIT)
        with pytest.raises(Conflict):
            record_passage(
                station.session,
                portal_id="South airlock",
                person_ref="Zane",
                direction=Direction.EXIT,
                idempotency_key="k2",
                actor=GUARD,
            )


class TestPresence:
    """Presence follows passages; head counts come from it; anti-passback uses it."""

    def test_departed_to_vessel(self, station: Station) -> None:
        zane = station.add_person("Zane", Affiliation.VISITOR, party=station.vessel, zone="south")
        before = head_counts(station.session)
        _permit_and_pass(station, "Zane", "k1", Direction.EXIT)
        after = head_counts(station.session)
        assert before.by_party[station.vessel.id] == 1
        assert after.by_party.get(station.vessel.id, 0) == 0
        assert after.departed_by_party[station.vessel.id] == 1
        assert place_of(station.session, zane.id).words == f"departed to vessel {station.vessel.id}"

    def test_anti_passback_after_entering(self, station: Station) -> None:
        station.add_person("Ana", Affiliation.RESIDENT, zone="south_collar")
        assert _permit_and_pass(station, "Ana", "k1", Direction.ENTER)
        again = decide_request(
            station.session,
            portal_id="South airlock",
            person_refs=["Ana"],
            direction=Direction.ENTER,
            actor=GUARD,
        )
        assert again.decisions[0].rule_ids == ("any.forbid.passback",)
