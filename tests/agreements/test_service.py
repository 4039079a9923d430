"""Agreements: terms with owners on each side, status only with evidence, breaches alerted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from agreements.conftest import agreement_terms, new_term
from muster import clock
from muster.agreements.enums import EvidenceKind, TermStatus
from muster.agreements.evidence import term_evidence
from muster.agreements.schemas import EvidenceIn, TermStatusSet
from muster.agreements.service import (
    count_terms_due,
    mark_term_breached,
    set_term_status,
)
from muster.errors import Invalid, NotFound
from muster.events.models import Event
from welfare.station import ADMIN, Station


class TestTerms:
    """Each term has an owner on each side and a due date or a recurrence."""

    def test_owners_must_be_on_their_side(self, station: Station) -> None:
        with pytest.raises(Invalid, match="station's side"):
            agreement_terms(station, new_term(station_owner="Zane"))
        with pytest.raises(Invalid, match="their side"):
            agreement_terms(station, new_term(party_owner="John"))

    def test_a_due_date_or_recurrence_is_required(self, station: Station) -> None:
        with pytest.raises(Invalid, match="due date or a recurrence"):
            agreement_terms(station, new_term(recurrence=""))

    def test_terms_start_pending_and_numbered(self, station: Station) -> None:
        terms = agreement_terms(station, new_term(), new_term("Second term."))
        assert [(t.number, t.status) for t in terms] == [
            (1, TermStatus.PENDING),
            (2, TermStatus.PENDING),
        ]


class TestStatusWithEvidence:
    """A term's status changes only with evidence that points to the record."""

    def test_no_evidence_no_change(self, station: Station) -> None:
        (term,) = agreement_terms(station, new_term())
        with pytest.raises(Invalid, match="only with evidence"):
            set_term_status(
                station.session,
                term_id=term.id,
                status=TermStatus.MET,
                reason="seen",
                evidence=[],
                actor=ADMIN,
            )
        assert term.status is TermStatus.PENDING

    def test_the_api_model_requires_evidence(self) -> None:
        with pytest.raises(ValidationError):
            TermStatusSet(status=TermStatus.MET, reason="seen", evidence=[])

    def test_evidence_pointing_nowhere_is_refused(self, station: Station) -> None:
        (term,) = agreement_terms(station, new_term())
        for item in (
            EvidenceIn(kind=EvidenceKind.EVENT, ref="99999"),
            EvidenceIn(kind=EvidenceKind.RECORD, ref="passage:nope"),
            EvidenceIn(kind=EvidenceKind.PERSON, ref="Nobody"),
        ):
            with pytest.raises(NotFound):
                set_term_status(
                    station.session,
                    term_id=term.id,
                    status=TermStatus.MET,
                    reason="seen",
                    evidence=[item],
                    actor=ADMIN,
                )
        assert term.status is TermStatus.PENDING
        assert term_evidence(station.session, term.id) == []

    def test_breach_with_evidence_alerts_the_commander(self, station: Station) -> None:
        (term,) = agreement_terms(station, new_term())
        seq = station.session.scalar(select(Event.seq).order_by(Event.seq.desc()))
        mark_term_breached(
            station.session,
            term_id=term.id,
            reason="the vessel left its orbit",
            evidence=[EvidenceIn(kind=EvidenceKind.EVENT, ref=str(seq))],
            actor=ADMIN,
        )
        assert term.status is TermStatus.BREACHED
        kinds = list(station.session.scalars(select(Event.kind)).all())
        assert "agreements.term.breached" in kinds
        assert "agreements.alert.raised" in kinds
        (evidence,) = term_evidence(station.session, term.id)
        assert evidence.change_id is not None


class TestTermsDue:
    """A term is due once its due date has come and it is still pending."""

    def test_only_pending_terms_past_their_date_count(self, station: Station) -> None:
        """Of a past-dated, a future-dated and a standing term, only the first is due."""
        now = clock.now()
        agreement_terms(
            station,
            new_term("Report by noon.", recurrence="", due_at=now - timedelta(hours=1)),
            new_term("Report tomorrow.", recurrence="", due_at=now + timedelta(days=1)),
            new_term(),
        )
        assert count_terms_due(station.session, now=now) == 1
        assert count_terms_due(station.session, now=now + timedelta(days=2)) == 2
