"""Casualties: recording, re-triage history, deaths, identification, counts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from medical.conftest import findings
from muster.errors import Conflict
from muster.events.service import EventFilter, list_events
from muster.incidents.models import Incident
from muster.medical.casualties import casualty_counts, record_casualty, retriage, triage_history
from muster.medical.enums import Side, Triage
from muster.medical.identify import update_casualty
from muster.medical.schemas import CasualtyCreate, CasualtyUpdate, TriageChange
from muster.people.enums import Affiliation, PersonStatus
from muster.people.models import Person
from muster.policy.actor import Actor

MakePerson = Callable[..., Person]


@pytest.fixture(autouse=True)
def _open_incident(incident: Incident) -> Incident:
    """Every casualty here belongs to the one open incident."""
    return incident


class TestRecordCasualty:
    """Recording a casualty derives its side and sets the person's status."""

    def test_side_follows_affiliation(
        self, session: Session, actor: Actor, make_person: MakePerson
    ) -> None:
        """A visitor is a casualty of the visiting side, a resident of the station side."""
        visitor = make_person("Warrior One", Affiliation.VISITOR)
        resident = make_person("Guard Two")
        a = record_casualty(
            session,
            data=CasualtyCreate(
                person_id=visitor.id, findings=findings("delayed"), found_at="West"
            ),
            actor=actor,
        )
        b = record_casualty(
            session,
            data=CasualtyCreate(person_id=resident.id, findings=findings("minor"), found_at="West"),
            actor=actor,
        )
        assert (a.side, b.side) == (Side.VISITING, Side.STATION)
        assert resident.status is PersonStatus.INJURED

    def test_death_sets_person_deceased(
        self, session: Session, actor: Actor, make_person: MakePerson
    ) -> None:
        """A casualty triaged deceased marks the person deceased through the people service."""
        guard = make_person("Guard Three")
        record_casualty(
            session,
            data=CasualtyCreate(person_id=guard.id, findings=findings("deceased"), found_at="West"),
            actor=actor,
        )
        assert guard.status is PersonStatus.DECEASED
        events, _ = list_events(
            session, flt=EventFilter(kind="people.person.status_changed", subject=guard.id)
        )
        assert events[-1].payload["to"] == "deceased"

    def test_unidentified_casualty_matched_later(
        self, session: Session, actor: Actor, make_person: MakePerson
    ) -> None:
        """An unidentified casualty is counted unknown until matched to a person."""
        c = record_casualty(
            session,
            data=CasualtyCreate(
                description="adult, dark jacket, no badge",
                findings=findings("immediate"),
                found_at="W",
            ),
            actor=actor,
        )
        assert c.side is Side.UNKNOWN
        person = make_person("Warrior Four", Affiliation.VISITOR)
        update_casualty(
            session, casualty_id=c.id, data=CasualtyUpdate(person_id=person.id), actor=actor
        )
        assert c.side is Side.VISITING
        assert casualty_counts(session).by_side["unknown"]["immediate"] == 0

    def test_same_person_twice_refused(
        self, session: Session, actor: Actor, make_person: MakePerson
    ) -> None:
        """A person is recorded once per incident; a change of state is a re-triage."""
        person = make_person("Guard Five")
        data = CasualtyCreate(person_id=person.id, findings=findings("minor"), found_at="West")
        record_casualty(session, data=data, actor=actor)
        with pytest.raises(Conflict):
            record_casualty(session, data=data, actor=actor)


class TestRetriage:
    """Re-triage keeps the whole history."""

    def test_history_kept_in_order(
        self, session: Session, actor: Actor, make_person: MakePerson
    ) -> None:
        """Each triage stays in the history, oldest first, and the casualty shows the latest."""
        person = make_person("Warrior Six", Affiliation.VISITOR)
        c = record_casualty(
            session,
            data=CasualtyCreate(person_id=person.id, findings=findings("delayed"), found_at="West"),
            actor=actor,
        )
        retriage(
            session,
            casualty_id=c.id,
            data=TriageChange(findings=findings("immediate"), note="worse"),
            actor=actor,
        )
        retriage(
            session,
            casualty_id=c.id,
            data=TriageChange(findings=findings("deceased")),
            actor=actor,
        )
        history = [t.category for t in triage_history(session, casualty_id=c.id)]
        assert history == [Triage.DELAYED, Triage.IMMEDIATE, Triage.DECEASED]
        assert c.triage is Triage.DECEASED
        assert person.status is PersonStatus.DECEASED

    def test_deceased_not_retriaged(self, session: Session, actor: Actor) -> None:
        """A death stands: a deceased casualty is not re-triaged."""
        c = record_casualty(
            session,
            data=CasualtyCreate(description="body", findings=findings("deceased"), found_at="West"),
            actor=actor,
        )
        with pytest.raises(Conflict):
            retriage(
                session,
                casualty_id=c.id,
                data=TriageChange(findings=findings("minor")),
                actor=actor,
            )


class TestCounts:
    """Counts by side and category are live and complete."""

    def test_counts_by_side_and_category(self, session: Session, actor: Actor) -> None:
        """Every cell is present, and re-triage moves a casualty between cells."""
        for side, triage in [(Side.STATION, Triage.DECEASED), (Side.VISITING, Triage.DELAYED)]:
            record_casualty(
                session,
                data=CasualtyCreate(
                    description="x", side=side, findings=findings(triage.value), found_at="W"
                ),
                actor=actor,
            )
        c = record_casualty(
            session,
            data=CasualtyCreate(
                description="y", side=Side.VISITING, findings=findings("delayed"), found_at="W"
            ),
            actor=actor,
        )
        retriage(
            session,
            casualty_id=c.id,
            data=TriageChange(findings=findings("immediate")),
            actor=actor,
        )
        counts = casualty_counts(session)
        assert counts.total == 3
        assert counts.by_side["station"]["deceased"] == 1
        assert counts.by_side["visiting"] == {
            "immediate": 1,
            "delayed": 1,
            "minor": 0,
            "expectant": 0,
            "deceased": 0,
        }
        assert counts.by_category["immediate"] == 1
