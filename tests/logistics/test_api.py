"""The logistics API: stock, custody, requests and work orders; bad input changes nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

WEAPON = {"name": "Rifle", "kind": "weapon", "tracked": True}


def stock_rows(client: TestClient) -> list[dict[str, object]]:
    """Every stock level."""
    response = client.get("/api/v1/stock", params={"limit": 500})
    assert response.status_code == 200
    return list(response.json()["items"])


class TestStockApi:
    """Items and stock over HTTP, with exact quantities and refusals that change nothing."""

    def test_receive_and_read_exact_quantities(
        self, client: TestClient, ids: dict[str, str]
    ) -> None:
        """A decimal quantity comes back exactly, as text."""
        item = client.post("/api/v1/items", json={"name": "Sheet", "kind": "material"}).json()
        response = client.post(
            "/api/v1/stock/receive",
            json={
                "item_id": item["id"],
                "quantity": "2.25",
                "location": {"kind": "zone", "id": ids["workshop"]},
            },
        )
        assert response.status_code == 201
        assert stock_rows(client)[0]["quantity"] == "2.25"

    def test_overdraw_is_409_and_changes_nothing(
        self, client: TestClient, ids: dict[str, str]
    ) -> None:
        """Transferring more than there is answers 409; the level is unchanged."""
        item = client.post("/api/v1/items", json={"name": "Sheet", "kind": "material"}).json()
        client.post(
            "/api/v1/stock/receive",
            json={
                "item_id": item["id"],
                "quantity": 3,
                "location": {"kind": "zone", "id": ids["workshop"]},
            },
        )
        response = client.post(
            "/api/v1/stock/transfer",
            json={
                "item_id": item["id"],
                "quantity": 4,
                "source": {"kind": "zone", "id": ids["workshop"]},
                "dest": {"kind": "zone", "id": ids["armory"]},
            },
        )
        assert response.status_code == 409
        assert "only 3" in response.json()["detail"]
        assert [r["quantity"] for r in stock_rows(client)] == ["3"]

    @pytest.mark.parametrize(
        "body",
        [
            {"quantity": -1},
            {"quantity": 0},
            {"quantity": "abc"},
            {"quantity": 1, "serials": ["A"]},
            {"quantity": 1, "colour": "red"},
            {"quantity": "0.00001"},
        ],
    )
    def test_bad_receive_is_422_and_changes_nothing(
        self, client: TestClient, ids: dict[str, str], body: dict[str, object]
    ) -> None:
        """Malformed quantities and unknown fields are refused before anything is written."""
        item = client.post("/api/v1/items", json={"name": "Sheet", "kind": "material"}).json()
        payload = {"item_id": item["id"], "location": {"kind": "zone", "id": ids["workshop"]}}
        response = client.post("/api/v1/stock/receive", json=payload | body)
        assert response.status_code == 422
        assert stock_rows(client) == []

    def test_unknown_item_is_404(self, client: TestClient, ids: dict[str, str]) -> None:
        """Receiving an item that does not exist answers 404."""
        response = client.post(
            "/api/v1/stock/receive",
            json={
                "item_id": "nope",
                "quantity": 1,
                "location": {"kind": "zone", "id": ids["workshop"]},
            },
        )
        assert response.status_code == 404

    def test_observer_cannot_move_stock(
        self, make_client: Callable[..., TestClient], ids: dict[str, str]
    ) -> None:
        """An observer may read stock but not receive it."""
        admin = make_client("admin")
        item = admin.post("/api/v1/items", json={"name": "Sheet", "kind": "material"}).json()
        observer = make_client("observer")
        response = observer.post(
            "/api/v1/stock/receive",
            json={
                "item_id": item["id"],
                "quantity": 1,
                "location": {"kind": "zone", "id": ids["workshop"]},
            },
        )
        assert response.status_code == 403
        assert observer.get("/api/v1/stock").json()["total"] == 0


class TestCustodyApi:
    """Sign-out over HTTP follows the weapon policy."""

    def test_weapon_to_resident_is_403_and_unit_stays(
        self, client: TestClient, ids: dict[str, str]
    ) -> None:
        """A weapon cannot go to Lisa; the unit's chain stays empty."""
        item = client.post("/api/v1/items", json=WEAPON).json()
        client.post(
            "/api/v1/stock/receive",
            json={
                "item_id": item["id"],
                "serials": ["R-1"],
                "location": {"kind": "zone", "id": ids["armory"]},
            },
        )
        unit = client.get(f"/api/v1/items/{item['id']}/units").json()[0]
        response = client.post(
            "/api/v1/custody/sign-out",
            json={"unit_id": unit["id"], "holder_kind": "person", "holder_id": ids["lisa"]},
        )
        assert response.status_code == 403
        assert client.get(f"/api/v1/custody/units/{unit['id']}").json() == []
        response = client.post(
            "/api/v1/custody/sign-out",
            json={
                "unit_id": unit["id"],
                "holder_kind": "post",
                "holder_id": ids["south"],
                "signed_by_person_id": ids["guard_south"],
            },
        )
        assert response.status_code == 201
        board = client.get(f"/api/v1/custody/posts/{ids['south']}").json()
        assert [b["serial"] for b in board] == ["R-1"]


class TestRequestsApi:
    """A request goes through approval, picking and confirmation over HTTP."""

    def test_request_to_delivery(self, client: TestClient, ids: dict[str, str]) -> None:
        """Approved, picked and confirmed: the request is delivered with times recorded."""
        item = client.post("/api/v1/items", json=WEAPON).json()
        client.post(
            "/api/v1/stock/receive",
            json={
                "item_id": item["id"],
                "serials": ["R-1", "R-2"],
                "location": {"kind": "zone", "id": ids["armory"]},
            },
        )
        created = client.post(
            "/api/v1/requests",
            json={
                "title": "Weapons to the South airlock",
                "priority": "flash",
                "source": {"kind": "zone", "id": ids["armory"]},
                "lines": [
                    {
                        "item_id": item["id"],
                        "quantity": 2,
                        "dest": {"kind": "post", "id": ids["south"]},
                    }
                ],
            },
        )
        assert created.status_code == 201
        rid = created.json()["id"]
        approved = client.post(f"/api/v1/requests/{rid}/approve", json={}).json()
        delivery = approved["deliveries"][0]["id"]
        assert client.post(f"/api/v1/deliveries/{delivery}/pick", json={}).status_code == 200
        confirmed = client.post(
            f"/api/v1/deliveries/{delivery}/confirm",
            json={"signed_by_person_id": ids["guard_south"]},
        )
        assert confirmed.status_code == 200
        assert confirmed.json()["confirmed_at"] is not None
        assert client.get(f"/api/v1/requests/{rid}").json()["status"] == "delivered"


class TestWorkOrderApi:
    """Work orders over HTTP, with a test photo upload."""

    def test_shield_order_with_photo(self, client: TestClient, ids: dict[str, str]) -> None:
        """George's order: created, tested with a photo, completed into stock."""
        sheets = client.post("/api/v1/items", json={"name": "Sheet", "kind": "material"}).json()
        shield = client.post(
            "/api/v1/items", json={"name": "Hand shield", "kind": "equipment"}
        ).json()
        client.post(
            "/api/v1/stock/receive",
            json={
                "item_id": sheets["id"],
                "quantity": 4,
                "location": {"kind": "zone", "id": ids["workshop"]},
            },
        )
        order = client.post(
            "/api/v1/workorders",
            json={
                "title": "Hand shields",
                "assignee_person_id": ids["george"],
                "product_item_id": shield["id"],
                "product_quantity": 2,
                "output": {"kind": "zone", "id": ids["workshop"]},
                "materials": [
                    {
                        "item_id": sheets["id"],
                        "quantity": 2,
                        "location": {"kind": "zone", "id": ids["workshop"]},
                    }
                ],
            },
        )
        assert order.status_code == 201
        wid = order.json()["id"]
        test = client.post(
            f"/api/v1/workorders/{wid}/tests",
            json={"name": "Blade strike", "outcome": "passed"},
        ).json()
        png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
        upload = client.post(
            f"/api/v1/workorders/tests/{test['id']}/photos",
            files={"file": ("strike.png", png, "image/png")},
        )
        assert upload.status_code == 201
        assert client.get(f"/api/v1/workorders/photos/{upload.json()['id']}").content == png
        done = client.post(f"/api/v1/workorders/{wid}/complete", json={})
        assert done.status_code == 200
        assert done.json()["tests"][0]["photos"][0]["size"] == len(png)

    def test_bad_outcome_is_422(self, client: TestClient, ids: dict[str, str]) -> None:
        """An outcome other than passed or failed is refused."""
        order = client.post("/api/v1/workorders", json={"title": "Patch", "kind": "make"}).json()
        response = client.post(
            f"/api/v1/workorders/{order['id']}/tests", json={"name": "x", "outcome": "maybe"}
        )
        assert response.status_code == 422
        assert client.get(f"/api/v1/workorders/{order['id']}").json()["tests"] == []
