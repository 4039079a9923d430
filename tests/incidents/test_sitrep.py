"""Situation reports: live figures, drafts, numbered versions that never change, exports."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from medical.conftest import findings
from muster.errors import Conflict
from muster.incidents.enums import Severity
from muster.incidents.export import to_markdown, to_pdf
from muster.incidents.models import Incident
from muster.incidents.schemas import IncidentCreate, SitrepEdit
from muster.incidents.service import declare_incident
from muster.incidents.sitrep import (
    compute_figures,
    edit_draft,
    get_version,
    list_versions,
    publish_sitrep,
)
from muster.medical.casualties import record_casualty
from muster.medical.enums import Side, Triage
from muster.medical.schemas import CasualtyCreate
from muster.people.models import Person
from muster.policy.actor import Actor

MakePerson = Callable[..., Person]


@pytest.fixture
def incident(session: Session, actor: Actor, make_person: MakePerson) -> Incident:
    """An incident commanded by John."""
    john = make_person("John")
    data = IncidentCreate(
        title="West airlock",
        kind="security",
        severity=Severity.CRITICAL,
        location="West airlock",
        commander_id=john.id,
    )
    return declare_incident(session, data=data, actor=actor)


def casualty(
    session: Session, actor: Actor, incident: Incident, side: Side, triage: Triage
) -> None:
    """Record an unidentified casualty of the incident."""
    record_casualty(
        session,
        data=CasualtyCreate(
            description="adult",
            side=side,
            findings=findings(triage.value),
            found_at="West",
            incident_id=incident.id,
        ),
        actor=actor,
    )


class TestFigures:
    """Figures come from the records."""

    def test_casualties_counted_by_side_and_category(
        self, session: Session, actor: Actor, incident: Incident
    ) -> None:
        """Recorded casualties appear in the figures at once."""
        casualty(session, actor, incident, Side.STATION, Triage.DECEASED)
        casualty(session, actor, incident, Side.VISITING, Triage.IMMEDIATE)
        figures = compute_figures(session, incident_id=incident.id)
        assert figures["casualties"]["by_side"]["station"]["deceased"] == 1
        assert figures["casualties"]["by_side"]["visiting"]["immediate"] == 1
        assert figures["persons_aboard"] >= 0
        assert figures["agreement_terms_due"] == 0  # the figure is always there
        assert figures["orders_unacknowledged"] == 0


class TestPublishing:
    """Published versions are numbered and never change."""

    def test_versions_numbered_and_frozen(
        self, session: Session, actor: Actor, incident: Incident
    ) -> None:
        """Later records and edits change the draft, never a published version."""
        edit_draft(
            session, incident_id=incident.id, data=SitrepEdit(situation="Standoff."), actor=actor
        )
        first = publish_sitrep(session, incident_id=incident.id, actor=actor)
        casualty(session, actor, incident, Side.STATION, Triage.DECEASED)
        edit_draft(
            session, incident_id=incident.id, data=SitrepEdit(situation="Violence."), actor=actor
        )
        second = publish_sitrep(session, incident_id=incident.id, actor=actor)
        session.expire_all()
        one = get_version(session, incident_id=incident.id, number=1)
        assert (first.number, second.number) == (1, 2)
        assert one.situation == "Standoff."
        assert one.figures["casualties"]["total"] == 0
        assert (
            get_version(session, incident_id=incident.id, number=2).figures["casualties"]["total"]
            == 1
        )
        assert [v.number for v in list_versions(session, incident_id=incident.id)] == [1, 2]

    def test_direct_change_to_published_refused(
        self, session: Session, actor: Actor, incident: Incident
    ) -> None:
        """Even a write that bypasses the service is refused at flush."""
        version = publish_sitrep(session, incident_id=incident.id, actor=actor)
        version.situation = "rewritten"
        with pytest.raises(Conflict):
            session.flush()
        session.rollback()

    def test_published_version_cannot_be_deleted(
        self, session: Session, actor: Actor, incident: Incident
    ) -> None:
        """Deleting a published version is refused."""
        version = publish_sitrep(session, incident_id=incident.id, actor=actor)
        session.delete(version)
        with pytest.raises(Conflict):
            session.flush()
        session.rollback()


class TestExport:
    """Markdown and PDF carry the figures."""

    def test_markdown_and_pdf(self, session: Session, actor: Actor, incident: Incident) -> None:
        """The Markdown names the figures; the PDF is a PDF."""
        casualty(session, actor, incident, Side.VISITING, Triage.DECEASED)
        version = publish_sitrep(session, incident_id=incident.id, actor=actor)
        text = to_markdown(incident, version)
        assert "# Situation report 1" in text
        assert (
            "Visiting party: 1 (0 immediate, 0 delayed, 0 minor, 0 expectant, 1 deceased)" in text
        )
        assert to_pdf(incident, version).startswith(b"%PDF")
