"""Holds, as the roles that would abuse them: placing, lifting (P4) and clinical privacy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from access.station import ana_in_the_south
from muster.db import Database

MakeClient = Callable[..., TestClient]
CLINICAL = "positive nanite screening (blood panel)"


def screen(medic: TestClient, person_id: str, result: str) -> dict[str, Any]:
    """Record a nanite screening through the medical API; the answer's body."""
    answer = medic.post(
        "/api/v1/medical/screenings",
        json={"person_id": person_id, "kind": "nanite", "result": result, "method": "blood panel"},
    )
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def lift(client: TestClient, hold_id: str, *, medical_endpoint: bool = False) -> Response:
    """Ask to lift a hold through the access API or the medical API."""
    prefix = "/api/v1/medical" if medical_endpoint else "/api/v1"
    return client.post(f"{prefix}/holds/{hold_id}/lift", json={"reason": "screened clear"})


def provisional(commander: TestClient, person_id: str) -> str:
    """A provisional hold placed by command; its id."""
    answer = commander.post(
        "/api/v1/holds",
        json={"person": person_id, "kind": "provisional", "reason": "seen with the party"},
    )
    assert answer.status_code == 201, answer.text
    hold_id: str = answer.json()["id"]
    return hold_id


class TestMedicalLift:
    """A medical hold is lifted only by a medic, on a clear screening taken after it (P4)."""

    def test_access_endpoint_needs_a_clear_screening(
        self, db: Database, make_client: MakeClient
    ) -> None:
        """The access API's lift refuses a medic while the positive result stands."""
        ana = ana_in_the_south(db)["ana"]
        medic = make_client("medic")
        hold_id = screen(medic, ana, "positive")["holds_placed"][0]
        refused = lift(medic, hold_id)
        assert refused.status_code == 409, refused.text
        assert "stays held" in refused.json()["detail"]
        screen(medic, ana, "negative")
        assert lift(medic, hold_id).status_code == 200

    def test_commander_may_not_lift_a_medical_hold(
        self, db: Database, make_client: MakeClient
    ) -> None:
        """The commander is refused on both endpoints, even after a clear screening."""
        ana = ana_in_the_south(db)["ana"]
        medic, commander = make_client("medic"), make_client("commander")
        hold_id = screen(medic, ana, "positive")["holds_placed"][0]
        screen(medic, ana, "negative")
        assert lift(commander, hold_id).status_code == 403
        assert lift(commander, hold_id, medical_endpoint=True).status_code == 403
        holds = commander.get("/api/v1/holds", params={"person": ana}).json()
        assert [h["id"] for h in holds["items"]] == [hold_id]

    def test_negative_before_the_hold_does_not_clear_it(
        self, db: Database, make_client: MakeClient
    ) -> None:
        """A negative result recorded before a provisional hold lifts nothing; a later one does."""
        ana = ana_in_the_south(db)["ana"]
        medic, commander = make_client("medic"), make_client("commander")
        screen(medic, ana, "negative")
        hold_id = provisional(commander, ana)
        refused = lift(medic, hold_id, medical_endpoint=True)
        assert refused.status_code == 409, refused.text
        assert "since the hold was placed" in refused.json()["detail"]
        screen(medic, ana, "negative")
        assert lift(medic, hold_id, medical_endpoint=True).status_code == 200

    def test_observer_refused_before_any_lookup(
        self, db: Database, make_client: MakeClient
    ) -> None:
        """A caller who may lift no hold gets 403 for any id, existing or not."""
        ana = ana_in_the_south(db)["ana"]
        hold_id = provisional(make_client("commander"), ana)
        observer = make_client("observer")
        assert lift(observer, "no-such-hold").status_code == 403
        assert lift(observer, hold_id).status_code == 403


class TestInconclusive:
    """An inconclusive result holds: it places or keeps a medical hold."""

    def test_inconclusive_places_a_medical_hold(
        self, db: Database, make_client: MakeClient
    ) -> None:
        """The screening answer names the hold it placed, and the airlock denies the exit."""
        ids = ana_in_the_south(db)
        medic = make_client("medic")
        placed = screen(medic, ids["ana"], "inconclusive")["holds_placed"]
        assert len(placed) == 1
        holds = medic.get("/api/v1/holds", params={"person": ids["ana"]}).json()["items"]
        assert [h["kind"] for h in holds] == ["medical"]
        decision = make_client("guard").post(
            f"/api/v1/portals/{ids['portal']}/requests",
            json={"persons": ["B-Ana"], "direction": "exit"},
        )
        assert "exit.forbid.held" in decision.json()["decisions"][0]["rule_ids"]

    def test_inconclusive_keeps_the_hold(self, db: Database, make_client: MakeClient) -> None:
        """After a positive result, an inconclusive one does not let a medic lift the hold."""
        ana = ana_in_the_south(db)["ana"]
        medic = make_client("medic")
        hold_id = screen(medic, ana, "positive")["holds_placed"][0]
        screen(medic, ana, "inconclusive")
        assert lift(medic, hold_id).status_code == 409


class TestClinicalPrivacy:
    """Outside the medical roles a medical hold reads "medical hold, placed by NAME at TIME"."""

    def test_observer_reads_no_clinical_reason(self, db: Database, make_client: MakeClient) -> None:
        """The observer's hold list withholds the reason; the medic's shows it."""
        ana = ana_in_the_south(db)["ana"]
        medic = make_client("medic", username="maria")
        screen(medic, ana, "positive")
        seen = make_client("observer").get("/api/v1/holds").json()["items"]
        assert len(seen) == 1
        assert seen[0]["reason"].startswith("medical hold, placed by maria at ")
        assert "nanite" not in str(seen)
        clinical = medic.get("/api/v1/holds").json()["items"]
        assert clinical[0]["reason"] == CLINICAL

    def test_lift_reason_withheld(self, db: Database, make_client: MakeClient) -> None:
        """A lifted medical hold's lift reason is withheld from the commander."""
        ana = ana_in_the_south(db)["ana"]
        medic = make_client("medic", username="maria")
        hold_id = screen(medic, ana, "positive")["holds_placed"][0]
        screen(medic, ana, "negative")
        assert lift(medic, hold_id).status_code == 200
        seen = (
            make_client("commander")
            .get("/api/v1/holds", params={"include_lifted": True})
            .json()["items"]
        )
        assert seen[0]["lift_reason"].startswith("medical hold, lifted by maria at ")

    def test_guard_explanation_withholds_the_reason(
        self, db: Database, make_client: MakeClient
    ) -> None:
        """The airlock's explanation names the medical hold and who placed it, not why."""
        ids = ana_in_the_south(db)
        screen(make_client("medic", username="maria"), ids["ana"], "positive")
        answer = make_client("guard").post(
            f"/api/v1/portals/{ids['portal']}/requests",
            json={"persons": ["B-Ana"], "direction": "exit"},
        )
        explanation = answer.json()["decisions"][0]["explanation"]
        assert "under medical hold, placed by maria at " in explanation
        assert "nanite" not in explanation
        assert "blood panel" not in explanation


class TestProvisional:
    """Command places and lifts provisional holds; each takes a reason; a lift happens once."""

    def test_a_guard_may_not_place_one(self, db: Database, make_client: MakeClient) -> None:
        ana = ana_in_the_south(db)["ana"]
        refused = make_client("guard").post(
            "/api/v1/holds", json={"person": ana, "kind": "provisional", "reason": "seen"}
        )
        assert refused.status_code == 403, refused.text
        assert "hold.place" in refused.json()["detail"]
        assert make_client("officer").get("/api/v1/holds").json()["items"] == []

    def test_a_medic_may_not_place_a_provisional_hold(
        self, db: Database, make_client: MakeClient
    ) -> None:
        ana = ana_in_the_south(db)["ana"]
        refused = make_client("medic").post(
            "/api/v1/holds", json={"person": ana, "kind": "provisional", "reason": "seen"}
        )
        assert refused.status_code == 403, refused.text

    def test_an_officer_places_and_lifts_once(self, db: Database, make_client: MakeClient) -> None:
        ana = ana_in_the_south(db)["ana"]
        officer = make_client("officer")
        hold_id = provisional(officer, ana)
        assert lift(officer, hold_id).status_code == 200
        again = lift(officer, hold_id)
        assert again.status_code == 409, again.text
        assert "already lifted" in again.json()["detail"]

    def test_a_lift_needs_its_reason(self, db: Database, make_client: MakeClient) -> None:
        ana = ana_in_the_south(db)["ana"]
        officer = make_client("officer")
        hold_id = provisional(officer, ana)
        refused = officer.post(f"/api/v1/holds/{hold_id}/lift", json={"reason": " "})
        assert refused.status_code == 422, refused.text
        assert "reason" in refused.json()["detail"]
        held = officer.get("/api/v1/holds", params={"person": ana}).json()["items"]
        assert [h["id"] for h in held] == [hold_id]

    def test_an_unknown_hold(self, db: Database, make_client: MakeClient) -> None:
        ana_in_the_south(db)
        refused = lift(make_client("officer"), "no-such-hold")
        assert refused.status_code == 404, refused.text
        assert "list holds" in refused.json()["detail"]
