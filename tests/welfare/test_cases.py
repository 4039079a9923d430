"""Consent cases: interviews, screening, approval, and what stops a case."""

from __future__ import annotations

import pytest

from muster.access.enums import HoldKind
from muster.access.holds import place_hold
from muster.errors import Conflict, Forbidden, Invalid
from muster.medical.enums import ScreeningResult
from muster.policy.engine import (
    PolicyEngine,
    install_engine,
    shipped_policy_text,
    shipped_schema_text,
)
from muster.welfare.cases import approve_case, open_case, record_screening_step
from muster.welfare.enums import Assessment, Capacity, CaseStatus
from muster.welfare.policy import case_steps
from welfare.helpers import approved, interview, open_for
from welfare.station import ADMIN, Station


class TestOpening:
    """A case fixes the consent text version and refuses what cannot be a transfer."""

    def test_case_keeps_the_text_version_agreed(self, station: Station) -> None:
        from muster.welfare.texts import current_consent_text, publish_consent_text

        first = current_consent_text(station.session)
        case = open_for(station)
        publish_consent_text(station.session, title="Transfer consent", body="v2", actor=ADMIN)
        assert case.consent_text_id == first.id
        assert case.consent_sha256 == first.sha256
        assert current_consent_text(station.session).version == 2

    def test_visitor_cannot_open_a_case(self, station: Station) -> None:
        with pytest.raises(Invalid):
            open_for(station, "Zane")

    def test_second_active_case_for_the_same_vessel_is_refused(self, station: Station) -> None:
        open_for(station)
        with pytest.raises(Conflict):
            open_for(station)


class TestInterviews:
    """Two interviews by two different welfare officers, the receiving party absent."""

    def test_same_officer_cannot_interview_twice(self, station: Station) -> None:
        case = open_for(station)
        interview(station, case, "Amara")
        with pytest.raises(Forbidden, match="different welfare officer"):
            interview(station, case, "Amara")

    def test_member_of_receiving_party_present_is_refused(self, station: Station) -> None:
        case = open_for(station)
        with pytest.raises(Forbidden, match="receiving party"):
            interview(station, case, "Amara", present=("Zane",))
        assert case_steps(station.session, case.id)[-1].kind.value == "opened"

    def test_others_present_are_recorded(self, station: Station) -> None:
        case = open_for(station)
        interview(station, case, "Amara", present=("Dominic",))
        step = case_steps(station.session, case.id)[-1]
        assert step.present_ids == [station.persons["Dominic"].id]
        assert step.officer_person_id == station.persons["Amara"].id

    def test_non_welfare_officer_cannot_interview(self, station: Station) -> None:
        case = open_for(station)
        with pytest.raises(Forbidden):
            interview(station, case, "Dominic")

    @pytest.mark.parametrize("assessment", [Assessment.DOUBTFUL, Assessment.COERCED])
    def test_doubt_or_coercion_stops_the_case(
        self, station: Station, assessment: Assessment
    ) -> None:
        case = open_for(station)
        interview(station, case, "Amara")
        interview(station, case, "Bruno", assessment)
        assert case.status is CaseStatus.STOPPED
        with pytest.raises(Conflict, match="stopped"):
            interview(station, case, "Chiara")


class TestApproval:
    """Approval needs a clean record and an approver who conducted neither interview."""

    def _ready(self, station: Station) -> str:
        case = open_for(station)
        interview(station, case, "Amara")
        interview(station, case, "Bruno")
        return case.id

    def test_interviewer_cannot_approve(self, station: Station) -> None:
        case_id = self._ready(station)
        station.screen("Lisa")
        with pytest.raises(Forbidden, match="conducted neither interview"):
            approve_case(
                station.session,
                case_id=case_id,
                capacity=Capacity.WELFARE,
                actor=station.actors["Amara"],
            )

    def test_one_interview_is_not_enough(self, station: Station) -> None:
        case = open_for(station)
        interview(station, case, "Amara")
        station.screen("Lisa")
        with pytest.raises(Forbidden, match="not complete"):
            approve_case(
                station.session,
                case_id=case.id,
                capacity=Capacity.WELFARE,
                actor=station.actors["Chiara"],
            )

    def test_stale_screening_blocks_approval(self, station: Station) -> None:
        case_id = self._ready(station)
        station.screen("Lisa", hours_ago=25)
        with pytest.raises(Conflict, match="older than 24 hours"):
            approve_case(
                station.session,
                case_id=case_id,
                capacity=Capacity.WELFARE,
                actor=station.actors["Chiara"],
            )

    def test_missing_screening_blocks_approval(self, station: Station) -> None:
        case_id = self._ready(station)
        with pytest.raises(Conflict, match="no nanite screening"):
            approve_case(
                station.session,
                case_id=case_id,
                capacity=Capacity.WELFARE,
                actor=station.actors["Chiara"],
            )

    def test_positive_screening_stops_the_case(self, station: Station) -> None:
        case_id = self._ready(station)
        station.screen("Lisa", ScreeningResult.POSITIVE)
        case = approve_case(
            station.session,
            case_id=case_id,
            capacity=Capacity.WELFARE,
            actor=station.actors["Chiara"],
        )
        assert case.status is CaseStatus.STOPPED
        assert "positive" in case.status_reason

    def test_hold_stops_the_case(self, station: Station) -> None:
        case_id = self._ready(station)
        station.screen("Lisa")
        place_hold(
            station.session,
            person_id=station.persons["Lisa"].id,
            kind=HoldKind.PROVISIONAL,
            reason="pending review",
            actor=ADMIN,
        )
        case = approve_case(
            station.session,
            case_id=case_id,
            capacity=Capacity.WELFARE,
            actor=station.actors["Chiara"],
        )
        assert case.status is CaseStatus.STOPPED

    def test_screening_step_records_the_screening_relied_on(self, station: Station) -> None:
        case_id = self._ready(station)
        screening = station.screen("Lisa")
        step = record_screening_step(station.session, case_id=case_id, actor=ADMIN)
        assert step.screening_id == screening.id

    def test_welfare_approval_waits_for_the_commander(self, station: Station) -> None:
        case_id = self._ready(station)
        station.screen("Lisa")
        case = approve_case(
            station.session,
            case_id=case_id,
            capacity=Capacity.WELFARE,
            actor=station.actors["Chiara"],
        )
        assert case.status is CaseStatus.OPEN
        assert not station.may_exit("Lisa")
        approve_case(
            station.session,
            case_id=case_id,
            capacity=Capacity.COMMANDER,
            actor=station.actors["John"],
        )
        assert case.status is CaseStatus.APPROVED
        assert station.may_exit("Lisa")

    def test_without_the_commander_rule_welfare_approval_suffices(self, station: Station) -> None:
        text = shipped_policy_text()
        start = text.index('@id("consent.grant.forbid.commander-approval-pending")')
        end = text.index("};", start) + 2
        install_engine(
            PolicyEngine(
                policy_text=text[:start] + text[end:],
                schema_text=shipped_schema_text(),
                version="no-commander",
            )
        )
        case_id = self._ready(station)
        station.screen("Lisa")
        case = approve_case(
            station.session,
            case_id=case_id,
            capacity=Capacity.WELFARE,
            actor=station.actors["Chiara"],
        )
        assert case.status is CaseStatus.APPROVED

    def test_approved_case_takes_no_further_approval(self, station: Station) -> None:
        case = approved(station)
        with pytest.raises(Conflict):
            approve_case(
                station.session,
                case_id=case.id,
                capacity=Capacity.WELFARE,
                actor=station.actors["Chiara"],
            )

    def test_nobody_opens_a_case_for_an_unknown_vessel(self, station: Station) -> None:
        from muster.errors import NotFound

        with pytest.raises(NotFound):
            open_case(
                station.session,
                person_id=station.persons["Lisa"].id,
                vessel_party_id="nope",
                statement="",
                actor=ADMIN,
            )
