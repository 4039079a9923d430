"""Passages: once per key, only after a recent permit, moving presence and head counts."""

from __future__ import annotations

import pytest

from access.station import Station
from muster.access.decisions import decide_request
from muster.access.enums import Direction
from muster.access.passages import record_passage
from muster.access.presence import head_counts, place_of
from muster.access.rollcall import mark_accounted, rollcall_report, start_rollcall
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

    def test_counts_by_affiliation(self, station: Station) -> None:
        station.add_person("Ana", Affiliation.RESIDENT)
        station.add_person("Ken", Affiliation.CREW)
        station.add_person("Lost", Affiliation.RESIDENT, zone=None)
        counts = head_counts(station.session)
        assert counts.by_affiliation == {"resident": 1, "crew": 1}
        assert counts.aboard == 2
        assert counts.unknown == 1
        assert counts.visitors_expected[station.vessel.id] == 4


class TestRollCall:
    """Everyone alive is unaccounted for until a post marks them."""

    def test_marks(self, station: Station) -> None:
        station.add_person("Ana", Affiliation.RESIDENT)
        station.add_person("Ken", Affiliation.CREW)
        start_rollcall(station.session, reason="after the West airlock", actor=OFFICER)
        assert station.post is not None
        mark_accounted(station.session, person_ref="Ana", post_id=station.post.id, actor=GUARD)
        report = rollcall_report(station.session)
        assert (report.registered, report.accounted, report.unaccounted) == (2, 1, 1)
        assert [e.name for e in report.unaccounted_persons] == ["Ken"]
        assert place_of(station.session, station.persons["Ana"].id).zone_name == "south"

    def test_marked_twice(self, station: Station) -> None:
        station.add_person("Ana", Affiliation.RESIDENT)
        start_rollcall(station.session, reason="drill", actor=OFFICER)
        assert station.post is not None
        mark_accounted(station.session, person_ref="Ana", post_id=station.post.id, actor=GUARD)
        with pytest.raises(Conflict):
            mark_accounted(station.session, person_ref="Ana", post_id=station.post.id, actor=GUARD)
