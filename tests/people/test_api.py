"""The people registry over HTTP: sign-in, roles, refusals, paging and filters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from muster.db import Database
from muster.events.models import Event

PERSONS = "/api/v1/persons"
PARTIES = "/api/v1/parties"


def add(client: TestClient, name: str, **fields: Any) -> dict[str, Any]:
    """Register a person through the API and return its JSON."""
    response = client.post(PERSONS, json={"name": name, "affiliation": "crew", **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def event_count(db: Database) -> int:
    """How many events the log holds."""
    with db.session_scope(write=False) as session:
        return session.scalar(select(func.count()).select_from(Event)) or 0


class TestAccess:
    """Every endpoint needs a sign-in; writes and deletes need the right role."""

    def test_sign_in_required(self, client: TestClient, db: Database) -> None:
        before = event_count(db)
        anonymous = TestClient(client.app)
        assert anonymous.get(PERSONS).status_code == 401
        assert anonymous.post(PERSONS, json={"name": "X", "affiliation": "crew"}).status_code == 401
        assert anonymous.get(PARTIES).status_code == 401
        assert client.get(PERSONS).json()["total"] == 0
        assert event_count(db) == before

    def test_observer_reads_but_cannot_write(
        self, make_client: Callable[..., TestClient], db: Database
    ) -> None:
        observer = make_client("observer")
        assert observer.get(PERSONS).status_code == 200
        before = event_count(db)
        response = observer.post(PERSONS, json={"name": "X", "affiliation": "crew"})
        assert response.status_code == 403
        assert observer.post(PARTIES, json={"name": "V", "kind": "vessel"}).status_code == 403
        assert observer.get(PERSONS).json()["total"] == 0
        assert event_count(db) == before

    def test_only_commander_deletes(self, make_client: Callable[..., TestClient]) -> None:
        officer = make_client("officer")
        person = add(officer, "Temp")
        assert officer.delete(f"{PERSONS}/{person['id']}").status_code == 403
        assert officer.get(f"{PERSONS}/{person['id']}").status_code == 200
        commander = make_client("commander")
        assert commander.delete(f"{PERSONS}/{person['id']}").status_code == 200


class TestRefusals:
    """Bad input is refused with the right status and changes nothing."""

    def test_malformed_json(self, client: TestClient, db: Database) -> None:
        before = event_count(db)
        response = client.post(
            PERSONS, content=b'{"name": ', headers={"content-type": "application/json"}
        )
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/problem+json"
        assert event_count(db) == before

    @pytest.mark.parametrize(
        "body",
        [
            {"name": "X", "affiliation": "crew", "rank": "captain"},
            {"name": "X", "affiliation": "pirate"},
            {"name": "", "affiliation": "crew"},
            {"name": "X" * 201, "affiliation": "crew"},
            {"name": "X", "affiliation": "crew", "roles": ["Not A Role"]},
            {"name": ["X"], "affiliation": "crew"},
        ],
    )
    def test_invalid_body(self, client: TestClient, db: Database, body: dict[str, Any]) -> None:
        before = event_count(db)
        assert client.post(PERSONS, json=body).status_code == 422
        assert client.get(PERSONS).json()["total"] == 0
        assert event_count(db) == before

    def test_null_name_on_update(self, client: TestClient) -> None:
        person = add(client, "Lisa")
        response = client.patch(f"{PERSONS}/{person['id']}", json={"name": None})
        assert response.status_code == 422
        assert client.get(f"{PERSONS}/{person['id']}").json()["name"] == "Lisa"

    def test_unknown_ids(self, client: TestClient, db: Database) -> None:
        before = event_count(db)
        assert client.get(f"{PERSONS}/nope").status_code == 404
        assert client.patch(f"{PERSONS}/nope", json={"notes": "x"}).status_code == 404
        assert client.delete(f"{PERSONS}/nope").status_code == 404
        assert client.get(f"{PARTIES}/nope").status_code == 404
        response = client.post(PERSONS, json={"name": "Z", "affiliation": "crew", "party_id": "n"})
        assert response.status_code == 404
        assert event_count(db) == before

    def test_duplicate_name(self, client: TestClient, db: Database) -> None:
        add(client, "Lisa")
        before = event_count(db)
        response = client.post(PERSONS, json={"name": "Lisa", "affiliation": "resident"})
        assert response.status_code == 409
        assert "'Lisa'" in response.json()["detail"]
        assert client.get(PERSONS).json()["total"] == 1
        assert event_count(db) == before

    def test_duplicate_party(self, client: TestClient) -> None:
        assert client.post(PARTIES, json={"name": "V", "kind": "vessel"}).status_code == 201
        assert client.post(PARTIES, json={"name": "V", "kind": "group"}).status_code == 409
        assert client.get(PARTIES).json()["total"] == 1


class TestPersons:
    """Create, read, update, list and delete persons."""

    def test_crud(self, client: TestClient) -> None:
        person = add(client, "Lisa", affiliation="resident", badge_id="L-1")
        assert person["status"] == "active"
        url = f"{PERSONS}/{person['id']}"
        response = client.patch(url, json={"status": "injured"})
        assert response.status_code == 200
        assert response.json()["status"] == "injured"
        assert response.json()["badge_id"] == "L-1"
        assert client.get(url).json()["status"] == "injured"

    def test_delete_says_what_happened(self, client: TestClient) -> None:
        temp = add(client, "Temp")
        response = client.delete(f"{PERSONS}/{temp['id']}")
        assert response.json()["outcome"] == "deleted"
        assert client.get(f"{PERSONS}/{temp['id']}").status_code == 404
        lisa = add(client, "Lisa")
        client.patch(f"{PERSONS}/{lisa['id']}", json={"notes": "in hospital"})
        body = client.delete(f"{PERSONS}/{lisa['id']}").json()
        assert body["outcome"] == "archived"
        assert "event(s) in the log" in body["reason"]
        assert client.get(f"{PERSONS}/{lisa['id']}").json()["archived_at"] is not None

    def test_paging_and_filters(self, client: TestClient) -> None:
        party = client.post(PARTIES, json={"name": "Vessel", "kind": "vessel"}).json()
        add(client, "Bahati", affiliation="visitor", party_id=party["id"], roles=["warrior"])
        add(client, "Zane", affiliation="visitor", party_id=party["id"], roles=["warrior"])
        add(client, "Ken", roles=["guard"])
        add(client, "Lisa", affiliation="resident", status="injured")
        page = client.get(PERSONS, params={"limit": 2, "offset": 1}).json()
        assert (page["total"], page["limit"], page["offset"]) == (4, 2, 1)
        assert [p["name"] for p in page["items"]] == ["Ken", "Lisa"]

        def names(**params: Any) -> list[str]:
            return [p["name"] for p in client.get(PERSONS, params=params).json()["items"]]

        assert names(affiliation="visitor") == ["Bahati", "Zane"]
        assert names(party_id=party["id"]) == ["Bahati", "Zane"]
        assert names(status="injured") == ["Lisa"]
        assert names(role="guard") == ["Ken"]
        assert names(q="an") == ["Zane"]
        assert client.get(PERSONS, params={"status": "asleep"}).status_code == 422
        assert client.get(PERSONS, params={"limit": 0}).status_code == 422


class TestParties:
    """Create, read, update and list parties; commanders must be members."""

    def test_commander_rules(self, client: TestClient) -> None:
        party = client.post(PARTIES, json={"name": "Vessel", "kind": "vessel"}).json()
        url = f"{PARTIES}/{party['id']}"
        outsider = add(client, "John")
        response = client.patch(url, json={"commander_id": outsider["id"]})
        assert response.status_code == 422
        assert "not a member" in response.json()["detail"]
        assert client.get(url).json()["commander_id"] is None
        bahati = add(client, "Bahati", affiliation="visitor", party_id=party["id"])
        response = client.patch(url, json={"commander_id": bahati["id"]})
        assert response.status_code == 200
        assert client.get(url).json()["commander_id"] == bahati["id"]

    def test_list_pages(self, client: TestClient) -> None:
        for name in ("C", "A", "B"):
            client.post(PARTIES, json={"name": name, "kind": "group"})
        page = client.get(PARTIES, params={"limit": 1, "offset": 1}).json()
        assert page["total"] == 3
        assert [p["name"] for p in page["items"]] == ["B"]
