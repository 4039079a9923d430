"""Over generated sequences of records and identifications, no casualty is counted twice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from medical.conftest import findings
from muster.errors import Conflict
from muster.incidents.enums import Severity
from muster.incidents.schemas import IncidentCreate
from muster.incidents.service import declare_incident
from muster.medical.casualties import casualty_counts, record_casualty
from muster.medical.identify import update_casualty
from muster.medical.models import TriageAssessment
from muster.medical.schemas import CasualtyCreate, CasualtyUpdate
from muster.people.enums import Affiliation
from muster.people.schemas import PersonCreate
from muster.people.service import create_person
from muster.policy.actor import Actor

MEDIC = Actor(kind="account", id="acct-medic", name="Dr Amara", roles=frozenset({"medic"}))
PERSONS = 3
CATEGORIES = ["minor", "delayed", "immediate"]

record_step = st.tuples(
    st.just("record"),
    st.one_of(st.none(), st.integers(0, PERSONS - 1)),
    st.sampled_from(CATEGORIES),
)
identify_step = st.tuples(st.just("identify"), st.integers(0, 20), st.integers(0, PERSONS - 1))
steps = st.lists(st.one_of(record_step, identify_step), min_size=1, max_size=14)


@dataclass
class Modelled:
    """The oracle's view of one casualty record: whose, and whether merged away."""

    id: str
    person: int | None
    merged: bool = False


class TestCountsNeverDouble:
    """Whatever is recorded and identified, each person is one casualty of the incident."""

    @given(sequence=steps)
    @settings(
        max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    def test_one_person_one_casualty(
        self, session: Session, actor: Actor, sequence: list[tuple[str, int | None, object]]
    ) -> None:
        nested = session.begin_nested()
        try:
            self._run(session, actor, sequence)
        finally:
            nested.rollback()

    def _run(
        self, session: Session, actor: Actor, sequence: list[tuple[str, int | None, object]]
    ) -> None:
        people = [
            create_person(
                session, data=PersonCreate(name=f"P{i}", affiliation=Affiliation.CREW), actor=actor
            ).id
            for i in range(PERSONS)
        ]
        incident = declare_incident(
            session,
            data=IncidentCreate(
                title="West airlock",
                kind="security",
                severity=Severity.CRITICAL,
                location="West airlock",
                commander_id=people[0],
            ),
            actor=actor,
        ).id
        records: list[Modelled] = []
        triages = 0
        for kind, a, b in sequence:
            live = [r for r in records if not r.merged]
            if kind == "record":
                person = a
                refused = person is not None and any(r.person == person for r in live)
                data = CasualtyCreate(
                    person_id=people[person] if person is not None else None,
                    description="" if person is not None else "unidentified adult",
                    findings=findings(str(b)),
                    found_at="West airlock",
                )
                if refused:

                    def record(data: CasualtyCreate = data) -> None:
                        record_casualty(session, data=data, actor=MEDIC)

                    self._refused(session, record)
                else:
                    row = record_casualty(session, data=data, actor=MEDIC)
                    records.append(Modelled(row.id, person))
                    triages += 1
            elif records:
                target, person = records[int(str(a)) % len(records)], int(str(b))
                change = CasualtyUpdate(person_id=people[person])

                def identify(target: Modelled = target, change: CasualtyUpdate = change) -> None:
                    update_casualty(session, casualty_id=target.id, data=change, actor=MEDIC)

                if target.merged or target.person not in (None, person):
                    self._refused(session, identify)
                else:
                    identify()
                    if target.person is None and any(
                        r.person == person for r in live if r is not target
                    ):
                        target.merged = True
                    target.person = person
            live = [r for r in records if not r.merged]
            counts = casualty_counts(session, incident_id=incident)
            assert counts.total == len(live)
            named = [r.person for r in live if r.person is not None]
            assert len(named) == len(set(named)), "a person counted twice"
            kept = session.scalar(select(func.count()).select_from(TriageAssessment)) or 0
            assert kept == triages, "a merge lost or invented a triage"

    @staticmethod
    def _refused(session: Session, attempt: Callable[[], object]) -> None:
        step = session.begin_nested()
        try:
            attempt()
        except Conflict:
            step.rollback()
        else:
            step.rollback()
            raise AssertionError("the oracle expected a refusal")
