"""A unit lost while signed out is written off from its chain of custody, never returned."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import typer
from click.testing import Result
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from muster.config import get_settings
from muster.db import Database
from muster.logistics.cli import stock_app
from muster.policy.actor import Actor

from .conftest import rifle_signed_out

SYSTEM = Actor.system("test")


@dataclass(frozen=True)
class Rifle:
    """Rifle RF-01, signed out to the South guard; Dominic and Lisa to witness."""

    item: str
    unit: str
    guard: str
    dominic: str
    lisa: str


@pytest.fixture
def rifle(db: Database) -> Rifle:
    """A rifle received at the armory and signed out to the South airlock's guard."""
    with db.session_scope() as session:
        st, item, unit_id = rifle_signed_out(session, SYSTEM)
        return Rifle(item.id, unit_id, st.guard_south.id, st.dominic.id, st.lisa.id)


def _lost(client: TestClient, rifle: Rifle, witness: str, reason: str = "Dropped in the collar"):
    body = {"unit_id": rifle.unit, "reason": reason, "witness_person_id": witness}
    return client.post("/api/v1/custody/lost", json=body)


class TestWriteOffLost:
    """The chain ends in a loss with a reason and a witness; no return is recorded."""

    def test_lost_rifle_leaves_stock_without_a_return(
        self, client: TestClient, rifle: Rifle
    ) -> None:
        """The last link is lost (not back), the unit is lost and in no stock, one event."""
        response = _lost(client, rifle, rifle.dominic)
        assert response.status_code == 200, response.text
        chain = client.get(f"/api/v1/custody/units/{rifle.unit}").json()
        assert chain[-1]["back_at"] is None
        assert chain[-1]["lost_reason"] == "Dropped in the collar"
        assert chain[-1]["witness_person_id"] == rifle.dominic
        units = client.get(f"/api/v1/items/{rifle.item}/units").json()
        assert [(u["status"], u["location_id"]) for u in units] == [("lost", None)]
        assert client.get("/api/v1/stock", params={"item_id": rifle.item}).json()["total"] == 0
        ledger = client.get("/api/v1/stock/movements", params={"unit_id": rifle.unit}).json()
        assert [m["reason"] for m in ledger["items"]][-1] == "lost"
        assert all(m["reason"] != "signed_back" for m in ledger["items"])

    def test_a_lost_rifle_cannot_be_signed_back_or_lost_twice(
        self, client: TestClient, rifle: Rifle
    ) -> None:
        """After the loss a sign-back or a second write-off is 409."""
        assert _lost(client, rifle, rifle.dominic).status_code == 200
        back = client.post("/api/v1/custody/sign-back", json={"unit_id": rifle.unit})
        assert back.status_code == 409
        assert "lost" in back.json()["detail"]
        assert _lost(client, rifle, rifle.dominic).status_code == 409

    def test_the_holder_is_no_witness(self, client: TestClient, rifle: Rifle) -> None:
        """The guard who held the rifle cannot witness its loss; nothing changes."""
        response = _lost(client, rifle, rifle.guard)
        assert response.status_code == 422
        units = client.get(f"/api/v1/items/{rifle.item}/units").json()
        assert units[0]["status"] == "signed_out"

    def test_a_member_of_a_visiting_party_is_no_witness(
        self, client: TestClient, rifle: Rifle
    ) -> None:
        """A resident who joined the visiting party witnesses nothing for the station."""
        party = client.post("/api/v1/parties", json={"name": "Visiting party", "kind": "vessel"})
        assert party.status_code == 201, party.text
        moved = client.patch(f"/api/v1/persons/{rifle.lisa}", json={"party_id": party.json()["id"]})
        assert moved.status_code == 200, moved.text
        response = _lost(client, rifle, rifle.lisa)
        assert response.status_code == 422
        assert "visiting party" in response.json()["detail"]
        units = client.get(f"/api/v1/items/{rifle.item}/units").json()
        assert units[0]["status"] == "signed_out"

    def test_a_blank_reason_is_422(self, client: TestClient, rifle: Rifle) -> None:
        """A write-off says how the unit was lost."""
        assert _lost(client, rifle, rifle.dominic, reason=" ").status_code == 422

    @pytest.mark.parametrize("role", ["guard", "observer", "engineer"])
    def test_only_command_and_storekeepers_write_off(
        self, make_client: Callable[..., TestClient], rifle: Rifle, role: str
    ) -> None:
        """A guard (the holder's own role), an observer or an engineer gets 403."""
        response = _lost(make_client(role), rifle, rifle.dominic)
        assert response.status_code == 403
        assert "RF-01" not in response.text


Invoke = Callable[..., Result]


@pytest.fixture
def muster(db: Database, rifle: Rifle, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    """The stock commands against the test database, with the rifle signed out."""
    monkeypatch.setenv("MUSTER_DATABASE_URL", db.url)
    get_settings.cache_clear()
    app = typer.Typer()
    app.add_typer(stock_app, name="stock")
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, list(args))
    get_settings.cache_clear()


class TestLostCommand:
    """``muster stock lost`` writes the loss off as the command's account."""

    def test_lost_from_the_command_line(self, muster: Invoke) -> None:
        """The rifle is lost with its reason and witness; the chain shows it."""
        result = muster(
            "stock",
            "lost",
            "Rifle",
            "RF-01",
            "--reason",
            "Taken in the struggle",
            "--witness",
            "Dominic",
        )
        assert result.exit_code == 0, result.output
        chain = muster("stock", "chain", "Rifle", "RF-01")
        assert "lost" in chain.output
        assert "Taken in the struggle" in chain.output
        assert "still out" not in chain.output

    def test_unknown_witness_fails_plainly(self, muster: Invoke) -> None:
        """A witness who is not registered ends the command, naming them."""
        result = muster("stock", "lost", "Rifle", "RF-01", "--reason", "x", "--witness", "Nobody")
        assert result.exit_code == 1
        assert "Nobody" in result.output
