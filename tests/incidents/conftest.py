"""The incidents tests use the medical tests' station: persons, zones and portals."""

from fastapi.testclient import TestClient

from medical.conftest import MEDIC, OFFICER, Station, make_person, station

__all__ = ["MEDIC", "OFFICER", "Station", "declare_over_http", "make_person", "station"]


def declare_over_http(commander: TestClient, commander_id: str) -> str:
    """Declare the West airlock incident through the API; its id."""
    made = commander.post(
        "/api/v1/incidents",
        json={
            "title": "West airlock",
            "kind": "security",
            "severity": "critical",
            "location": "West airlock",
            "commander_id": commander_id,
        },
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])
