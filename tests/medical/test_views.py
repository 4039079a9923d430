"""The hospital board and the bed list: counts for every operator, patients for medics only."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from medical.conftest import crew_member, ward_with_beds
from muster.db import Database
from muster.errors import Forbidden
from muster.medical.views import bed_list, hospital_board
from muster.policy.actor import Actor

MakeClient = Callable[..., TestClient]
READER = Actor(kind="token", id="tok-reader", name="Reader", roles=frozenset({"device"}))


@pytest.fixture
def admitted(db: Database, make_client: MakeClient) -> dict[str, str]:
    """Aisha admitted to bed T1 of the Trauma ward by a medic; the bed ids."""
    beds = ward_with_beds(db, "Trauma", ["T1", "T2"])
    answer = make_client("medic").post(
        "/api/v1/medical/admissions",
        json={"person_id": crew_member(db, "Aisha"), "bed_id": beds["T1"], "condition": "serious"},
    )
    assert answer.status_code == 201, answer.text
    return beds


class TestBoard:
    """Everyone who works the crisis sees beds and counts; who lies where is the medics'."""

    def test_an_officer_sees_counts_not_patients(
        self, make_client: MakeClient, admitted: dict[str, str]
    ) -> None:
        board = make_client("officer").get("/api/v1/medical/board").json()
        assert board["clinical"] is False
        assert "patients" not in board
        wards = [(w["name"], w["beds"]["occupied"], w["patients"]) for w in board["wards"]]
        assert wards == [("Trauma", 1, 1)]
        assert "Aisha" not in str(board)

    def test_a_medic_sees_who_and_where(
        self, make_client: MakeClient, admitted: dict[str, str]
    ) -> None:
        board = make_client("medic").get("/api/v1/medical/board").json()
        assert board["clinical"] is True
        assert [(p["name"], p["ward"], p["bed"]) for p in board["patients"]] == [
            ("Aisha", "Trauma", "T1")
        ]

    def test_a_door_reader_sees_nothing(self, session: Session) -> None:
        with pytest.raises(Forbidden, match=r"medical\.counts"):
            hospital_board(session, actor=READER)
        with pytest.raises(Forbidden, match=r"medical\.counts"):
            bed_list(session, actor=READER)


class TestBeds:
    """The bed list filters by ward and state; an unknown ward is named in the refusal."""

    def test_by_state(self, make_client: MakeClient, admitted: dict[str, str]) -> None:
        free = make_client("guard").get("/api/v1/medical/beds", params={"state": "available"})
        assert [b["label"] for b in free.json()] == ["T2"]

    def test_an_unknown_ward(self, make_client: MakeClient, admitted: dict[str, str]) -> None:
        answer = make_client("medic").get("/api/v1/medical/beds", params={"ward": "Nowhere"})
        assert answer.status_code == 404, answer.text
        assert "Nowhere" in answer.json()["detail"]
