"""Screenings: only medics record them, for a time past with its zone; results stay clinical."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from medical.conftest import crew_member
from muster import clock
from muster.db import Database
from muster.events.models import Event

MakeClient = Callable[..., TestClient]


def screening(person_id: str, result: str = "negative", **extra: Any) -> dict[str, Any]:
    """A nanite blood panel of ``person_id``."""
    return {
        "person_id": person_id,
        "kind": "nanite",
        "result": result,
        "method": "blood panel",
        **extra,
    }


@pytest.fixture
def aisha(db: Database) -> str:
    """Aisha, crew; her id."""
    return crew_member(db, "Aisha")


class TestRecording:
    """A medic records a screening; others may not, and nothing is kept when refused."""

    @pytest.mark.parametrize("role", ["officer", "guard", "commander"])
    def test_refused(self, make_client: MakeClient, aisha: str, role: str) -> None:
        refused = make_client(role).post("/api/v1/medical/screenings", json=screening(aisha))
        assert refused.status_code == 403, refused.text
        assert "screening.record" in refused.json()["detail"]
        listed = make_client("medic").get("/api/v1/medical/screenings").json()
        assert listed["total"] == 0

    def test_a_time_to_come(self, make_client: MakeClient, aisha: str) -> None:
        later = (clock.now() + timedelta(hours=1)).isoformat()
        refused = make_client("medic").post(
            "/api/v1/medical/screenings", json=screening(aisha, performed_at=later)
        )
        assert refused.status_code == 422, refused.text
        assert "time still to come" in refused.json()["detail"]

    def test_a_time_without_its_zone(self, make_client: MakeClient, aisha: str) -> None:
        refused = make_client("medic").post(
            "/api/v1/medical/screenings", json=screening(aisha, performed_at="2026-01-01T10:00:00")
        )
        assert refused.status_code == 422, refused.text
        assert "with its zone" in refused.json()["detail"]

    def test_an_unknown_screener(self, make_client: MakeClient, aisha: str) -> None:
        refused = make_client("medic").post(
            "/api/v1/medical/screenings", json=screening(aisha, performed_by_id="nobody")
        )
        assert refused.status_code == 404, refused.text


class TestClinical:
    """The record says a screening was taken, never its result; medics read results."""

    def test_the_event_names_no_result(
        self, make_client: MakeClient, aisha: str, db: Database
    ) -> None:
        medic = make_client("medic")
        answer = medic.post("/api/v1/medical/screenings", json=screening(aisha, "positive"))
        assert answer.status_code == 201, answer.text
        with db.session_scope(write=False) as session:
            events = session.scalars(
                select(Event).where(Event.kind == "medical.screening.recorded")
            ).all()
        assert [e.payload["summary"] for e in events] == ["Nanite screening of Aisha recorded."]
        assert "positive" not in str(events[0].payload)
        results = medic.get("/api/v1/medical/screenings", params={"person_id": aisha}).json()
        assert [s["result"] for s in results["items"]] == ["positive"]
        assert make_client("officer").get("/api/v1/medical/screenings").status_code == 403
