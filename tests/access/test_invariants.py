"""Hypothesis: no decision lets a held person out; head counts never drift from passages."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from access.station import build_station
from muster import clock
from muster.access.decisions import CedarInput, decide_request, evaluate
from muster.access.enums import Direction, HoldKind, cedar_action
from muster.access.facts import HoldFact, PersonFacts, PortalFacts, context_for
from muster.access.holds import place_hold
from muster.access.passages import record_passage
from muster.access.passes import issue_duty_pass
from muster.access.policy_store import shipped_engine
from muster.access.presence import head_counts
from muster.people.enums import Affiliation
from muster.policy.actor import Actor

ACTOR = Actor(kind="account", id="acc-john", name="John", roles=frozenset({"commander"}))

ZONES = ["inside", "outside", "other"]
persons = st.builds(
    lambda aff, status, party, duty, transfers, visit, vzones, zone: PersonFacts(
        id="p",
        name="p",
        affiliation=aff,
        status=status,
        party_id=party,
        archived=False,
        holds=[HoldFact("provisional", "r", "John", clock.now())],
        duty_pass_current=duty,
        transfer_vessel_ids=set(transfers),
        visit_current=visit,
        visit_zone_ids=set(vzones),
        zone_id=zone,
        zone_kind="internal" if zone == "inside" else "collar",
    ),
    st.sampled_from(["resident", "crew", "visitor"]),
    st.sampled_from(["active", "injured", "missing"]),
    st.sampled_from(["", "v1", "v2"]),
    st.booleans(),
    st.lists(st.sampled_from(["v1", "v2"]), max_size=2),
    st.booleans(),
    st.lists(st.sampled_from(ZONES), max_size=3),
    st.sampled_from([None, *ZONES]),
)
portals = st.builds(
    lambda kind, mode, vessel: PortalFacts("x", "x", kind, mode, "inside", "outside", vessel),
    st.sampled_from(["airlock", "door"]),
    st.sampled_from(["normal", "lockdown", "evacuation", "maintenance"]),
    st.sampled_from(["", "v1", "v2"]),
)


class TestHeldNeverExit:
    """Whatever else is true of a held person, the default policy never lets them exit."""

    @given(person=persons, portal=portals, escort=st.booleans())
    @settings(max_examples=400, deadline=None)
    def test_held_exit_denied(self, person: PersonFacts, portal: PortalFacts, escort: bool) -> None:
        portal = PortalFacts(
            portal.id,
            portal.name,
            "airlock",
            portal.mode,
            "inside",
            "outside",
            portal.vessel_party_id,
        )
        context = context_for(person, portal, Direction.EXIT, [person])
        context["escort_present"] = escort
        request = CedarInput(
            cedar_action("airlock", Direction.EXIT), person.entity(), portal.entity(), context
        )
        verdict = evaluate(shipped_engine(), request)
        assert not verdict.allowed
        assert "exit.forbid.held" in verdict.rule_ids


population = st.lists(
    st.tuples(st.sampled_from(["resident", "crew", "visitor"]), st.booleans(), st.booleans()),
    min_size=1,
    max_size=6,
)
steps = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=5),
        st.sampled_from(["South airlock", "West airlock", "Hospital door"]),
        st.sampled_from([Direction.EXIT, Direction.ENTER]),
    ),
    max_size=15,
)


class TestSequences:
    """Over generated populations and request sequences, counts match passages exactly."""

    @given(people=population, sequence=steps)
    @settings(
        max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    def test_counts_follow_passages(
        self,
        session: Session,
        people: list[tuple[str, bool, bool]],
        sequence: list[tuple[int, str, Direction]],
    ) -> None:
        nested = session.begin_nested()
        try:
            self._run(session, people, sequence)
        finally:
            nested.rollback()

    def _run(
        self,
        session: Session,
        people: list[tuple[str, bool, bool]],
        sequence: list[tuple[int, str, Direction]],
    ) -> None:
        station = build_station(session)
        where: dict[str, str] = {}
        held: set[str] = set()
        for i, (affiliation, is_held, with_pass) in enumerate(people):
            person = station.add_person(
                f"P{i}",
                Affiliation(affiliation),
                party=station.vessel if affiliation == "visitor" else None,
                zone="south",
            )
            where[person.id] = station.zones["south"].id
            if is_held:
                place_hold(
                    session, person_id=person.id, kind=HoldKind.PROVISIONAL, reason="r", actor=ACTOR
                )
                held.add(person.id)
            if with_pass and affiliation != "visitor":
                now = clock.now()
                issue_duty_pass(
                    session,
                    person_id=person.id,
                    purpose="p",
                    valid_from=now - timedelta(minutes=1),
                    valid_until=now + timedelta(hours=1),
                    actor=ACTOR,
                )
        for n, (index, portal_name, direction) in enumerate(sequence):
            if index >= len(people):
                continue
            person_id = station.persons[f"P{index}"].id
            group = decide_request(
                session,
                portal_id=portal_name,
                person_refs=[person_id],
                direction=direction,
                actor=ACTOR,
            )
            decision = group.decisions[0]
            portal = station.portals[portal_name]
            if person_id in held and direction == Direction.EXIT and portal.kind == "airlock":
                assert not decision.allowed
            if decision.allowed:
                passage = record_passage(
                    session,
                    portal_id=portal_name,
                    person_ref=person_id,
                    direction=direction,
                    idempotency_key=f"k{n}",
                    actor=ACTOR,
                ).passage
                assert passage is not None  # nothing changed since the permit
                where[person_id] = passage.to_zone_id
            counts = head_counts(session)
            expected: dict[str, int] = {}
            for zone_id in where.values():
                expected[zone_id] = expected.get(zone_id, 0) + 1
            assert counts.by_zone == expected
            assert all(v >= 0 for v in counts.by_zone.values())
