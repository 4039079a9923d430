"""Agreements: terms with owners on each side, status only with evidence, breaches alerted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from muster import clock
from muster.access.decisions import decide_request
from muster.access.enums import Direction
from muster.access.passages import record_passage
from muster.access.presence import move_person
from muster.agreements.enums import EvidenceKind, TermKind, TermStatus
from muster.agreements.evidence import term_evidence
from muster.agreements.models import AgreementTerm
from muster.agreements.returns import evaluate_return_term
from muster.agreements.schemas import AgreementCreate, EvidenceIn, TermCreate, TermStatusSet
from muster.agreements.service import (
    count_terms_due,
    list_terms,
    mark_term_breached,
    record_agreement,
    set_term_status,
)
from muster.errors import Invalid, NotFound
from muster.events.models import Event
from welfare.station import ADMIN, Station


def _agreement(station: Station, *terms: TermCreate) -> list[AgreementTerm]:
    data = AgreementCreate(
        title="Agreement after the talks",
        party="Vessel",
        signatories=["John", "Zane"],
        text="The commanders agree the terms below.",
        terms=list(terms),
    )
    row = record_agreement(station.session, data=data, actor=ADMIN)
    return list_terms(station.session, row.id)


def _term(text: str = "The vessel stays in orbit.", **kw: object) -> TermCreate:
    fields: dict[str, object] = {
        "text": text,
        "station_owner": "John",
        "party_owner": "Zane",
        "recurrence": "standing",
    }
    fields.update(kw)
    return TermCreate.model_validate(fields)


class TestTerms:
    """Each term has an owner on each side and a due date or a recurrence."""

    def test_owners_must_be_on_their_side(self, station: Station) -> None:
        with pytest.raises(Invalid, match="station's side"):
            _agreement(station, _term(station_owner="Zane"))
        with pytest.raises(Invalid, match="their side"):
            _agreement(station, _term(party_owner="John"))

    def test_a_due_date_or_recurrence_is_required(self, station: Station) -> None:
        with pytest.raises(Invalid, match="due date or a recurrence"):
            _agreement(station, _term(recurrence=""))

    def test_terms_start_pending_and_numbered(self, station: Station) -> None:
        terms = _agreement(station, _term(), _term("Second term."))
        assert [(t.number, t.status) for t in terms] == [
            (1, TermStatus.PENDING),
            (2, TermStatus.PENDING),
        ]


class TestStatusWithEvidence:
    """A term's status changes only with evidence that points to the record."""

    def test_no_evidence_no_change(self, station: Station) -> None:
        (term,) = _agreement(station, _term())
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
        (term,) = _agreement(station, _term())
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
        (term,) = _agreement(station, _term())
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


class TestReturnTerm:
    """A return term is met when each listed person is back through an airlock and screened."""

    def test_met_only_after_passage_and_screening(self, station: Station) -> None:
        lisa = station.persons["Lisa"]
        (term,) = _agreement(
            station,
            _term(
                "Residents aboard the vessel are returned.",
                kind=TermKind.RETURN,
                persons=["Lisa"],
                recurrence="",
                due_at=clock.now() + timedelta(days=1),
            ),
        )
        move_person(
            station.session,
            person_id=lisa.id,
            zone_id=station.airlock.outside_zone_id,
            source="aboard the vessel",
        )
        _term_row, progress = evaluate_return_term(station.session, term_id=term.id, actor=ADMIN)
        assert term.status is TermStatus.PENDING
        assert progress[0].passage_id is None
        decide_request(
            station.session,
            portal_id=station.airlock.id,
            person_refs=[lisa.id],
            direction=Direction.ENTER,
            actor=ADMIN,
        )
        record_passage(
            station.session,
            portal_id=station.airlock.id,
            person_ref=lisa.id,
            direction=Direction.ENTER,
            idempotency_key="k1",
            actor=ADMIN,
        )
        evaluate_return_term(station.session, term_id=term.id, actor=ADMIN)
        assert term.status is TermStatus.PENDING
        station.screen("Lisa", hours_ago=0)
        evaluate_return_term(station.session, term_id=term.id, actor=ADMIN)
        assert term.status is TermStatus.MET
        refs = {e.ref.split(":")[0] for e in term_evidence(station.session, term.id)}
        assert refs >= {"passage", "screening", lisa.id}


class TestTermsDue:
    """A term is due once its due date has come and it is still pending."""

    def test_only_pending_terms_past_their_date_count(self, station: Station) -> None:
        """Of a past-dated, a future-dated and a standing term, only the first is due."""
        now = clock.now()
        _agreement(
            station,
            _term("Report by noon.", recurrence="", due_at=now - timedelta(hours=1)),
            _term("Report tomorrow.", recurrence="", due_at=now + timedelta(days=1)),
            _term(),
        )
        assert count_terms_due(station.session, now=now) == 1
        assert count_terms_due(station.session, now=now + timedelta(days=2)) == 2
