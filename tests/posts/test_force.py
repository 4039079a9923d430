"""Force used: who, against whom, the weapon from their custody, on the incident's record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from comms.station import Station
from muster.db import Database
from posts.conftest import guard, rifle_out_to


def force_report(**force: Any) -> dict[str, Any]:
    """A West airlock report of force used, with one entry."""
    entry = {"used_by": "Wes", "against_count": 3, "outcome": "The visitors fell back."}
    return {"status": "force_used", "visitors": 10, "armed": 10, "force": [{**entry, **force}]}


WEST = "West airlock post"


class TestForceUsed:
    """A report of force names who used it, against whom, with what, and the outcome."""

    def test_weapon_signed_out_to_the_guard_is_recorded(
        self, make_client: Callable[..., TestClient], crew: Station, db: Database, incident: str
    ) -> None:
        """Wes used the rifle signed out to him: the force names the unit and its custody."""
        unit = rifle_out_to(db, crew, "Wes", "RF-05")
        wes = guard(make_client, crew, "Wes")
        response = wes.post(
            f"/api/v1/posts/{WEST}/reports",
            json=force_report(weapon="RF-05", against=["Bahati"], against_count=3),
        )
        assert response.status_code == 201, response.text
        (force,) = response.json()["force"]
        assert force["unit_id"] == unit
        assert force["custody_id"]
        assert force["used_by_person_id"] == crew.persons["Wes"]
        assert force["against_person_ids"] == [crew.persons["Bahati"]]
        assert force["against_count"] == 3
        assert force["incident_id"] == incident

    def test_force_is_on_the_incident_timeline(
        self, make_client: Callable[..., TestClient], crew: Station, db: Database, incident: str
    ) -> None:
        """The commander reads the force used on the incident's timeline, in words."""
        rifle_out_to(db, crew, "Wes", "RF-06")
        wes = guard(make_client, crew, "Wes")
        wes.post(f"/api/v1/posts/{WEST}/reports", json=force_report(weapon="RF-06"))
        john = make_client("commander", person_id=crew.persons["John"])
        timeline = john.get(f"/api/v1/incidents/{incident}/timeline").json()
        texts = [item["text"] for item in timeline]
        assert any(
            t.startswith(
                "Force used at West airlock post by Wes against 3 persons with Rifle RF-06"
            )
            for t in texts
        ), texts
        assert any(t.startswith("West airlock post: Force used.") for t in texts), texts

    def test_force_is_in_the_situation_report(
        self, make_client: Callable[..., TestClient], crew: Station, db: Database, incident: str
    ) -> None:
        """The sitrep's figures name who used force, against whom, with which weapon, and the
        outcome; a published version keeps them in its lines."""
        rifle_out_to(db, crew, "Wes", "RF-05")
        wes = guard(make_client, crew, "Wes")
        body = force_report(weapon="RF-05", against=["Bahati"])
        assert wes.post(f"/api/v1/posts/{WEST}/reports", json=body).status_code == 201
        john = make_client("commander", person_id=crew.persons["John"])
        draft = john.get(f"/api/v1/incidents/{incident}/sitrep")
        assert draft.status_code == 200, draft.text
        (row,) = draft.json()["figures"]["posts"]["force"]
        assert (row["used_by"], row["against"], row["against_count"]) == ("Wes", ["Bahati"], 3)
        assert row["weapon"] == "Rifle RF-05"
        assert row["outcome"] == "The visitors fell back."
        published = john.post(f"/api/v1/incidents/{incident}/sitreps")
        assert published.status_code == 201, published.text
        line = (
            "Force at West airlock post by Wes against Bahati (3 persons in all) with "
            "Rifle RF-05: The visitors fell back."
        )
        markdown = john.get(f"/api/v1/incidents/{incident}/sitreps/1", params={"fmt": "md"})
        assert line in markdown.text, markdown.text

    def test_force_beside_the_weapons_custody_chain(
        self, make_client: Callable[..., TestClient], crew: Station, db: Database, incident: str
    ) -> None:
        """The weapon's chain of custody is read with the force it was used in."""
        unit = rifle_out_to(db, crew, "Wes", "RF-07")
        wes = guard(make_client, crew, "Wes")
        wes.post(f"/api/v1/posts/{WEST}/reports", json=force_report(weapon="RF-07"))
        john = make_client("commander", person_id=crew.persons["John"])
        body = john.get(f"/api/v1/post-force/units/{unit}").json()
        assert body["serial"] == "RF-07"
        assert [c["holder_id"] for c in body["chain"]] == [crew.persons["Wes"]]
        assert [f["outcome"] for f in body["force"]] == ["The visitors fell back."]

    def test_weapon_not_in_their_custody_is_refused(
        self, make_client: Callable[..., TestClient], crew: Station, db: Database, incident: str
    ) -> None:
        """Tara may not record force with the rifle signed out to Wes."""
        rifle_out_to(db, crew, "Wes", "RF-08")
        tara = guard(make_client, crew, "Tara")
        response = tara.post(
            f"/api/v1/posts/{WEST}/reports", json=force_report(used_by="Tara", weapon="RF-08")
        )
        assert response.status_code == 409, response.text
        assert "not signed out to Tara" in response.json()["detail"]

    def test_force_report_needs_its_force(
        self, make_client: Callable[..., TestClient], crew: Station, incident: str
    ) -> None:
        """A "force used" status without the force named is refused, saying what to add."""
        wes = guard(make_client, crew, "Wes")
        response = wes.post(f"/api/v1/posts/{WEST}/reports", json={"status": "force_used"})
        assert response.status_code == 422
        assert "force" in response.json()["detail"]

    def test_force_is_used_by_station_staff_only(
        self, make_client: Callable[..., TestClient], crew: Station, incident: str
    ) -> None:
        """Bahati is of the visiting party: he is named against, never as user."""
        wes = guard(make_client, crew, "Wes")
        response = wes.post(f"/api/v1/posts/{WEST}/reports", json=force_report(used_by="Bahati"))
        assert response.status_code == 422
        assert "not of the station's staff" in response.json()["detail"]

    def test_force_names_against_whom(
        self, make_client: Callable[..., TestClient], crew: Station, incident: str
    ) -> None:
        """Force against no one named and no count is refused."""
        wes = guard(make_client, crew, "Wes")
        response = wes.post(f"/api/v1/posts/{WEST}/reports", json=force_report(against_count=0))
        assert response.status_code == 422
        assert "against whom" in response.json()["detail"]

    def test_user_named_by_account(
        self, make_client: Callable[..., TestClient], crew: Station, incident: str
    ) -> None:
        """Force is recorded for the person behind an account's username."""
        wes = guard(make_client, crew, "Wes")
        response = wes.post(
            f"/api/v1/posts/{WEST}/reports", json=force_report(used_by="station-tara")
        )
        assert response.status_code == 201, response.text
        assert response.json()["force"][0]["used_by_person_id"] == crew.persons["Tara"]
