"""The access API: group requests, passages with Idempotency-Key, modes, holds by role."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from access.station import build_station
from muster.db import Database
from muster.people.enums import Affiliation


def _station(db: Database) -> dict[str, str]:
    with db.session_scope() as s:
        st = build_station(s)
        for i in range(3):
            st.add_person(f"V{i}", Affiliation.VISITOR, party=st.vessel, zone="south")
        st.add_person("Ana", Affiliation.RESIDENT, zone="south")
        return {"portal": st.portals["South airlock"].id, "ana": st.persons["Ana"].id}


class TestRequests:
    """A guard's group request gets each decision and the line for the guards."""

    def test_group(self, db: Database, make_client: Callable[..., TestClient]) -> None:
        ids = _station(db)
        guard = make_client("guard")
        resp = guard.post(
            f"/api/v1/portals/{ids['portal']}/requests",
            json={"persons": ["V0", "V1", "V2", "B-Ana"], "direction": "exit"},
        )
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert body["instruction"] == "3 may pass, 1 must be held back"
        assert body["decisions"][3]["rule_ids"] == ["exit.forbid.resident-to-vessel"]

    def test_observer_refused(self, db: Database, make_client: Callable[..., TestClient]) -> None:
        ids = _station(db)
        resp = make_client("observer").post(
            f"/api/v1/portals/{ids['portal']}/requests",
            json={"persons": ["V0"], "direction": "exit"},
        )
        assert resp.status_code == 403


class TestPassages:
    """The same Idempotency-Key twice records one passage."""

    def test_retry(self, db: Database, make_client: Callable[..., TestClient]) -> None:
        ids = _station(db)
        guard = make_client("guard")
        url = f"/api/v1/portals/{ids['portal']}"
        guard.post(f"{url}/requests", json={"persons": ["V0"], "direction": "exit"})
        body = {"person": "V0", "direction": "exit"}
        first = guard.post(f"{url}/passages", json=body, headers={"Idempotency-Key": "abc"})
        second = guard.post(f"{url}/passages", json=body, headers={"Idempotency-Key": "abc"})
        assert (first.status_code, second.status_code) == (201, 200)
        assert first.json()["id"] == second.json()["id"]
        counts = guard.get("/api/v1/presence").json()
        assert counts["by_affiliation"] == {"visitor": 2, "resident": 1}


class TestOperatorRules:
    """Modes are the commander's; only a medic lifts a medical hold."""

    def test_mode(self, db: Database, make_client: Callable[..., TestClient]) -> None:
        ids = _station(db)
        body = {"mode": "lockdown", "reason": "standoff"}
        url = f"/api/v1/portals/{ids['portal']}/mode"
        assert make_client("officer").put(url, json=body).status_code == 403
        assert make_client("commander").put(url, json=body).json()["mode"] == "lockdown"

    def test_medical_hold(self, db: Database, make_client: Callable[..., TestClient]) -> None:
        ids = _station(db)
        medic, commander = make_client("medic"), make_client("commander")
        hold = medic.post(
            "/api/v1/holds", json={"person": ids["ana"], "kind": "medical", "reason": "screening"}
        ).json()
        lift = {"reason": "screened clear"}
        assert commander.post(f"/api/v1/holds/{hold['id']}/lift", json=lift).status_code == 403
        # P4: no clear screening taken after the hold was placed, so the medic is refused too.
        assert medic.post(f"/api/v1/holds/{hold['id']}/lift", json=lift).status_code == 409
        screening = {
            "person_id": ids["ana"],
            "kind": "nanite",
            "result": "negative",
            "method": "blood panel",
        }
        assert medic.post("/api/v1/medical/screenings", json=screening).status_code == 201
        assert medic.post(f"/api/v1/holds/{hold['id']}/lift", json=lift).status_code == 200

    def test_provisional_hold(self, db: Database, make_client: Callable[..., TestClient]) -> None:
        ids = _station(db)
        body = {"person": ids["ana"], "kind": "provisional", "reason": "suspected influence"}
        assert make_client("guard").post("/api/v1/holds", json=body).status_code == 403
        assert make_client("officer").post("/api/v1/holds", json=body).status_code == 201


class TestPolicyApi:
    """An invalid policy is refused; a saved one can be activated by the commander."""

    def test_invalid_refused(self, db: Database, make_client: Callable[..., TestClient]) -> None:
        resp = make_client("commander").post(
            "/api/v1/policies",
            json={"policy_text": "permit(principal, action, resource);", "comment": "x"},
        )
        assert resp.status_code == 422
        assert "@id" in resp.json()["detail"]

    def test_activate(self, db: Database, make_client: Callable[..., TestClient]) -> None:
        commander = make_client("commander")
        text = commander.get("/api/v1/policies/active").json()["policy_text"]
        saved = commander.post("/api/v1/policies", json={"policy_text": text, "comment": "same"})
        number = saved.json()["number"]
        assert make_client("officer").post(f"/api/v1/policies/{number}/activate").status_code == 403
        active = commander.post(f"/api/v1/policies/{number}/activate")
        assert active.status_code == 200, active.text
        assert commander.get("/api/v1/policies/active").json()["version"] == saved.json()["id"]
