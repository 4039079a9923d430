"""The item catalogue: who keeps it, names of their own, tracked items in whole units."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from muster.errors import Conflict
from muster.logistics.enums import ItemKind, LocationKind
from muster.logistics.items import find_unit, get_unit, unit_location
from muster.logistics.losses import write_off_lost
from muster.policy.actor import Actor

from .conftest import rifle_signed_out

MakeClient = Callable[..., TestClient]
RIFLE = {"name": "Rifle", "kind": "weapon", "tracked": True}


class TestKeepingTheCatalogue:
    """The storekeepers and the commander add and change items; others may not."""

    @pytest.mark.parametrize("role", ["guard", "officer", "engineer"])
    def test_refused(self, make_client: MakeClient, ids: dict[str, str], role: str) -> None:
        refused = make_client(role).post("/api/v1/items", json=RIFLE)
        assert refused.status_code == 403, refused.text
        assert "logistics.item.manage" in refused.json()["detail"]
        assert make_client("logistics").get("/api/v1/items").json()["total"] == 0

    def test_a_storekeeper_adds_and_renames(
        self, make_client: MakeClient, ids: dict[str, str]
    ) -> None:
        keeper = make_client("logistics")
        made = keeper.post("/api/v1/items", json=RIFLE)
        assert made.status_code == 201, made.text
        renamed = keeper.patch(f"/api/v1/items/{made.json()['id']}", json={"name": "Carbine"})
        assert renamed.json()["name"] == "Carbine"
        refused = make_client("guard").patch(
            f"/api/v1/items/{made.json()['id']}", json={"name": "Toy"}
        )
        assert refused.status_code == 403, refused.text

    def test_a_name_taken(self, make_client: MakeClient, ids: dict[str, str]) -> None:
        keeper = make_client("logistics")
        keeper.post("/api/v1/items", json=RIFLE)
        other = keeper.post("/api/v1/items", json={"name": "Torch", "kind": "equipment"}).json()
        for answer in (
            keeper.post("/api/v1/items", json=RIFLE),
            keeper.patch(f"/api/v1/items/{other['id']}", json={"name": "Rifle"}),
        ):
            assert answer.status_code == 409, answer.text
            assert "use another name" in answer.json()["detail"]

    def test_an_unknown_item(self, make_client: MakeClient, ids: dict[str, str]) -> None:
        missing = make_client("logistics").patch("/api/v1/items/nope", json={"name": "X"})
        assert missing.status_code == 404, missing.text
        assert "list items" in missing.json()["detail"]


class TestWholeUnits:
    """A tracked item's reorder level is a whole number, when made and when changed."""

    def test_when_made(self, make_client: MakeClient, ids: dict[str, str]) -> None:
        refused = make_client("logistics").post(
            "/api/v1/items", json={**RIFLE, "reorder_level": "2.5"}
        )
        assert refused.status_code == 422, refused.text
        assert "whole number of units" in refused.json()["detail"]

    def test_when_changed(self, make_client: MakeClient, ids: dict[str, str]) -> None:
        keeper = make_client("logistics")
        rifle = keeper.post("/api/v1/items", json=RIFLE).json()
        refused = keeper.patch(f"/api/v1/items/{rifle['id']}", json={"reorder_level": "2.5"})
        assert refused.status_code == 422, refused.text
        assert "whole number of units" in refused.json()["detail"]
        assert keeper.get(f"/api/v1/items/{rifle['id']}").json()["reorder_level"] in ("0", 0)
        water = keeper.post("/api/v1/items", json={"name": "Water", "kind": "consumable"}).json()
        changed = keeper.patch(f"/api/v1/items/{water['id']}", json={"reorder_level": "2.5"})
        assert changed.status_code == 200, changed.text


class TestUnits:
    """A unit is where the ledger says; a unit written off is nowhere."""

    def test_a_unit_signed_out_is_with_its_holder(self, session: Session, actor: Actor) -> None:
        station, _item, unit_id = rifle_signed_out(session, actor)
        place = unit_location(get_unit(session, unit_id))
        assert (place.kind, place.id) == (LocationKind.PERSON, station.guard_south.id)

    def test_a_unit_written_off(self, session: Session, actor: Actor) -> None:
        station, item, unit_id = rifle_signed_out(session, actor)
        write_off_lost(
            session,
            unit_id=unit_id,
            reason="lost in the collar",
            witness_person_id=station.dominic.id,
            actor=actor,
        )
        with pytest.raises(Conflict, match="written off"):
            unit_location(find_unit(session, item, "RF-01"))
        assert item.kind is ItemKind.WEAPON
