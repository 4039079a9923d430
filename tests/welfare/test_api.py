"""The welfare API: a case taken through its steps by officers signed in as themselves."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from muster.db import Database
from welfare.station import build_station


def _ids(db: Database) -> dict[str, str]:
    with db.session_scope() as session:
        station = build_station(session)
        ids = {name: p.id for name, p in station.persons.items()}
        ids["vessel"] = station.vessel.id
        return ids


class TestCaseOverHttp:
    """Officers take each step as themselves; the rules answer in plain words."""

    def test_case_to_approval_then_revocation(
        self, db: Database, make_client: Callable[..., TestClient]
    ) -> None:
        ids = _ids(db)
        amara = make_client("welfare", person_id=ids["Amara"])
        bruno = make_client("welfare", person_id=ids["Bruno"])
        chiara = make_client("welfare", person_id=ids["Chiara"])
        john = make_client("commander", person_id=ids["John"])
        opened = amara.post(
            "/api/v1/welfare/cases",
            json={"person_id": "Lisa", "vessel_party_id": "Vessel", "statement": "I ask to go."},
        )
        assert opened.status_code == 201, opened.text
        case_id = opened.json()["id"]
        body = {"stated_wish": "I wish to go.", "assessment": "free_choice"}
        url = f"/api/v1/welfare/cases/{case_id}"
        assert amara.post(f"{url}/interviews", json=body).status_code == 201
        again = amara.post(f"{url}/interviews", json=body)
        assert again.status_code == 403
        assert "different welfare officer" in again.json()["detail"]
        party = bruno.post(f"{url}/interviews", json={**body, "present_ids": ["Zane"]})
        assert party.status_code == 403
        assert bruno.post(f"{url}/interviews", json=body).status_code == 201
        stale = chiara.post(f"{url}/approvals", json={"capacity": "welfare"})
        assert stale.status_code == 409
        with db.session_scope() as session:
            from muster.medical.enums import ScreeningKind, ScreeningResult
            from muster.medical.schemas import ScreeningCreate
            from muster.medical.screening import add_screening
            from welfare.station import ADMIN

            add_screening(
                session,
                data=ScreeningCreate(
                    person_id=ids["Lisa"],
                    kind=ScreeningKind.NANITE,
                    result=ScreeningResult.NEGATIVE,
                    method="blood panel",
                ),
                actor=ADMIN,
            )
        assert chiara.post(f"{url}/approvals", json={"capacity": "welfare"}).status_code == 201
        done = john.post(f"{url}/approvals", json={"capacity": "commander"})
        assert done.json()["status"] == "approved"
        assert [s["kind"] for s in done.json()["steps"]][-1] == "granted"
        board = amara.get("/api/v1/welfare/checkups")
        assert board.json()["total"] == 1
        ics = amara.get("/api/v1/welfare/checkups.ics")
        assert ics.headers["content-type"].startswith("text/calendar")
        assert "BEGIN:VEVENT" in ics.text
        assert "Lisa" in ics.text
        guard = make_client("guard")
        revoked = guard.post(
            "/api/v1/welfare/revocations",
            json={"person_id": "Lisa", "statement": "I am staying."},
        )
        assert revoked.status_code == 200, revoked.text
        assert revoked.json()[0]["status"] == "revoked"

    def test_cases_are_not_for_every_operator(
        self, db: Database, make_client: Callable[..., TestClient]
    ) -> None:
        assert make_client("observer").get("/api/v1/welfare/cases").status_code == 403
