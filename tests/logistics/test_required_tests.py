"""A work order names the tests its product must pass; it cannot finish without a pass."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from muster.db import Database
from muster.policy.actor import Actor

from .conftest import build_station


@pytest.fixture
def order(db: Database, client: TestClient) -> str:
    """A shield order (two shields from two sheets) that needs a passing blade strike."""
    with db.session_scope() as session:
        st = build_station(session, Actor.system("test"))
        workshop, george = st.workshop.id, st.george.id
    sheets = client.post("/api/v1/items", json={"name": "Sheet", "kind": "material"}).json()
    shield = client.post("/api/v1/items", json={"name": "Hand shield", "kind": "equipment"}).json()
    place = {"kind": "zone", "id": workshop}
    client.post(
        "/api/v1/stock/receive", json={"item_id": sheets["id"], "quantity": 2, "location": place}
    )
    response = client.post(
        "/api/v1/workorders",
        json={
            "title": "Hand shields",
            "assignee_person_id": george,
            "product_item_id": shield["id"],
            "product_quantity": 2,
            "output": place,
            "materials": [{"item_id": sheets["id"], "quantity": 2, "location": place}],
            "required_tests": ["Blade strike"],
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["required_tests"] == ["Blade strike"]
    return str(response.json()["id"])


def _test(client: TestClient, order: str, name: str, outcome: str) -> None:
    body = {"name": name, "outcome": outcome}
    assert client.post(f"/api/v1/workorders/{order}/tests", json=body).status_code == 201


class TestRequiredTests:
    """The latest result of every required test must be a pass before the order finishes."""

    def test_untested_product_cannot_be_finished(self, client: TestClient, order: str) -> None:
        """With no result of the blade strike: 409 naming it, and nothing enters stock."""
        response = client.post(f"/api/v1/workorders/{order}/complete", json={})
        assert response.status_code == 409
        assert "Blade strike" in response.json()["detail"]
        assert client.get(f"/api/v1/workorders/{order}").json()["status"] == "open"
        assert [r["item"] for r in client.get("/api/v1/stock").json()["items"]] == ["Sheet"]

    def test_another_test_does_not_stand_in(self, client: TestClient, order: str) -> None:
        """A passing test of something else is not the blade strike."""
        _test(client, order, "Grip fit", "passed")
        response = client.post(f"/api/v1/workorders/{order}/complete", json={})
        assert response.status_code == 409

    def test_failed_then_passed_finishes(self, client: TestClient, order: str) -> None:
        """A failed strike refuses; a later pass lets the shields into stock."""
        _test(client, order, "Blade strike", "failed")
        assert client.post(f"/api/v1/workorders/{order}/complete", json={}).status_code == 409
        _test(client, order, "blade strike", "passed")
        done = client.post(f"/api/v1/workorders/{order}/complete", json={})
        assert done.status_code == 200, done.text
        assert done.json()["status"] == "done"

    def test_a_test_named_twice_is_422(self, client: TestClient) -> None:
        """The same required test twice, or a blank one, is refused when the order is written."""
        for tests in (["Blade strike", "blade strike"], [" "]):
            body = {"title": "Patch", "required_tests": tests}
            assert client.post("/api/v1/workorders", json=body).status_code == 422
