"""A finding of coercion or unwillingness follows the person to their next case for that
vessel: a cooling-off period, the finding on the next case, and officers new to it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from muster import clock
from muster.db import Database
from muster.medical.enums import ScreeningKind, ScreeningResult
from muster.medical.models import Screening
from muster.people.service import find_person
from muster.welfare.enums import StepKind
from muster.welfare.models import CaseStep
from welfare.station import build_station

CASES = "/api/v1/welfare/cases"
LISA = {"person_id": "Lisa", "vessel_party_id": "Vessel", "statement": "I ask to go."}
FREE = {"stated_wish": "I wish to go.", "assessment": "free_choice"}


@pytest.fixture
def officers(db: Database, make_client: Callable[..., TestClient]) -> dict[str, TestClient]:
    """The welfare station with a fourth welfare officer, Dana; a client for each officer."""
    with db.session_scope() as session:
        station = build_station(session)
        station.officer("Dana", "welfare")
        ids = {name: p.id for name, p in station.persons.items()}
    roles = {"Amara": "welfare", "Bruno": "welfare", "Chiara": "welfare", "Dana": "welfare"}
    roles["John"] = "commander"
    return {name: make_client(role, person_id=ids[name]) for name, role in roles.items()}


def _finding_case(officers: dict[str, TestClient], assessment: str) -> str:
    """Chiara opens a case for Lisa; Amara's interview finds ``assessment``."""
    opened = officers["Chiara"].post(CASES, json=LISA)
    assert opened.status_code == 201, opened.text
    case_id = str(opened.json()["id"])
    body = {"stated_wish": "They told me I must go.", "assessment": assessment}
    found = officers["Amara"].post(f"{CASES}/{case_id}/interviews", json=body)
    assert found.status_code == 201, found.text
    assert found.json()["status"] == "stopped"
    return case_id


def _age_findings(db: Database, hours: float) -> None:
    """The interviews on record took place ``hours`` ago."""
    with db.session_scope() as session:
        session.execute(
            update(CaseStep)
            .where(CaseStep.kind == StepKind.INTERVIEW)
            .values(at=clock.now() - timedelta(hours=hours))
        )


class TestCoolingOff:
    """A coerced or unwilling finding bars a new case for that person and vessel for 72 hours."""

    @pytest.mark.parametrize("assessment", ["coerced", "unwilling"])
    def test_new_case_seconds_later_refused(
        self, officers: dict[str, TestClient], assessment: str
    ) -> None:
        """The breach: a new case opened at once after the finding."""
        _finding_case(officers, assessment)
        again = officers["Chiara"].post(CASES, json=LISA)
        assert again.status_code == 409, again.text
        detail = again.json()["detail"]
        assert "72 hours cooling-off" in detail
        assert assessment in detail

    def test_still_barred_near_the_end(self, db: Database, officers: dict[str, TestClient]) -> None:
        """71 hours after the finding the bar still holds, for any officer."""
        _finding_case(officers, "coerced")
        _age_findings(db, 71)
        assert officers["Dana"].post(CASES, json=LISA).status_code == 409

    def test_doubt_stops_but_does_not_bar(self, officers: dict[str, TestClient]) -> None:
        """A doubtful assessment stops the case; a new one may be opened."""
        _finding_case(officers, "doubtful")
        assert officers["Chiara"].post(CASES, json=LISA).status_code == 201

    def test_next_case_shows_the_earlier_finding(
        self, db: Database, officers: dict[str, TestClient]
    ) -> None:
        """After the cooling-off the next case opens, and the finding is written on it."""
        earlier = _finding_case(officers, "coerced")
        _age_findings(db, 73)
        opened = officers["Dana"].post(CASES, json=LISA)
        assert opened.status_code == 201, opened.text
        [finding] = opened.json()["earlier_findings"]
        number = officers["Dana"].get(f"{CASES}/{earlier}").json()["number"]
        assert finding.startswith(f"case W-{number}: interview of ")
        assert finding.endswith("found the person coerced")
        assert "earlier finding" in opened.json()["steps"][0]["note"]


class TestFreshOfficers:
    """The next case needs officers who had no part in the earlier one."""

    def _next_case(self, db: Database, officers: dict[str, TestClient]) -> str:
        _finding_case(officers, "coerced")
        _age_findings(db, 73)
        opened = officers["Dana"].post(CASES, json=LISA)
        assert opened.status_code == 201, opened.text
        return str(opened.json()["id"])

    def test_earlier_interviewer_may_not_interview(
        self, db: Database, officers: dict[str, TestClient]
    ) -> None:
        case_id = self._next_case(db, officers)
        refused = officers["Amara"].post(f"{CASES}/{case_id}/interviews", json=FREE)
        assert refused.status_code == 403
        assert "earlier case" in refused.json()["detail"]
        assert officers["Bruno"].post(f"{CASES}/{case_id}/interviews", json=FREE).status_code == 201

    def test_earlier_officers_may_not_approve(
        self, db: Database, officers: dict[str, TestClient]
    ) -> None:
        """Chiara opened the earlier case and Amara found the coercion: neither approves."""
        case_id = self._next_case(db, officers)
        for name in ("Bruno", "Dana"):
            done = officers[name].post(f"{CASES}/{case_id}/interviews", json=FREE)
            assert done.status_code == 201, done.text
        with db.session_scope() as session:
            session.add(
                Screening(
                    person_id=find_person(session, "Lisa").id,
                    kind=ScreeningKind.NANITE,
                    result=ScreeningResult.NEGATIVE,
                    method="blood panel",
                    performed_at=clock.now() - timedelta(hours=1),
                    recorded_by="test",
                )
            )
        for name in ("Chiara", "Amara"):
            refused = officers[name].post(
                f"{CASES}/{case_id}/approvals", json={"capacity": "welfare"}
            )
            assert refused.status_code == 403, refused.text
            assert "earlier case" in refused.json()["detail"]
        commander = officers["John"].post(
            f"{CASES}/{case_id}/approvals", json={"capacity": "commander"}
        )
        assert commander.status_code == 201, commander.text
