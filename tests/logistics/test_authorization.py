"""Authorization first in logistics: a caller that may not act learns nothing about stock.

Every write is tried over HTTP by the tokens that may not do it (an airlock reader's token,
a handset's token, an observer's token) against a rifle that is signed out, a request, a
delivery and a work order that exist. Each gets 403, and the answer names no item, serial,
person or post: the use case authorizes before it looks anything up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from harness.station import new_portal
from muster.auth import service as auth_service
from muster.db import Database
from muster.places.enums import PortalKind
from muster.policy.actor import Actor

from .conftest import rifle_signed_out

SYSTEM = Actor.system("test")
# What a refusal must not reveal: the item, its serial, the holder and the post.
SECRETS = ("Rifle", "RF-01", "Guard South", "South airlock post", "signed_out")


@dataclass(frozen=True)
class Ids:
    """The records the refused callers aim at."""

    item: str
    unit: str
    armory: str
    workshop: str
    south: str
    guard: str


@pytest.fixture
def ids(db: Database) -> Ids:
    """A rifle RF-01 signed out to the South airlock post's guard, and a door for a reader."""
    with db.session_scope() as session:
        st, item, unit_id = rifle_signed_out(session, SYSTEM)
        new_portal(session, SYSTEM, "Armory door", PortalKind.DOOR, st.armory, st.workshop)
        return Ids(item.id, unit_id, st.armory.id, st.workshop.id, st.south.id, st.guard_south.id)


def _bound_client(db: Database, app: object, binding: dict[str, object]) -> TestClient:
    """A token of an administrator's account, bound as a reader's or a handset's is."""
    from muster.places.models import Portal

    with db.session_scope() as s:
        name = f"bound-{len(binding)}-{next(iter(binding))}"
        auth_service.create_account(
            s,
            username=name,
            display_name=name,
            roles=["admin"],
            password="correct horse battery",
            actor=SYSTEM,
        )
        if "portal_id" in binding:
            portal = s.query(Portal).filter_by(name="Armory door").one()
            binding = {"portal_id": portal.id}
        _t, secret = auth_service.create_token(
            s, name=f"t-{name}", username=name, scopes=[], actor=SYSTEM, **binding
        )
    return TestClient(app, headers={"Authorization": f"Bearer {secret}"})  # type: ignore[arg-type]


@pytest.fixture
def refused_clients(
    db: Database, make_client: Callable[..., TestClient], ids: Ids
) -> Iterator[dict[str, TestClient]]:
    """An observer's token, and an administrator's tokens bound to a door or to a channel."""
    observer = make_client("observer")
    clients = {
        "observer": observer,
        "reader": _bound_client(db, observer.app, {"portal_id": "Armory door"}),
        "handset": _bound_client(db, observer.app, {"channel_ids": ["c-south"]}),
    }
    yield clients
    for name in ("reader", "handset"):
        clients[name].close()


def _writes(ids: Ids) -> list[tuple[str, str, dict[str, object]]]:
    """Every logistics write, aimed at the signed-out rifle or at records that exist."""
    zone = {"kind": "zone", "id": ids.armory}
    other = {"kind": "zone", "id": ids.workshop}
    rifle = {"item_id": ids.item, "serials": ["RF-01"]}
    return [
        ("post", "/api/v1/items", {"name": "Rifle", "kind": "weapon"}),
        ("patch", f"/api/v1/items/{ids.item}", {"name": "Rifle"}),
        ("post", "/api/v1/stock/receive", {**rifle, "location": zone}),
        ("post", "/api/v1/stock/transfer", {**rifle, "source": zone, "dest": other}),
        ("post", "/api/v1/stock/consume", {**rifle, "location": zone}),
        ("post", "/api/v1/stock/adjust", {"item_id": ids.item, "location": zone, "quantity": 0}),
        (
            "post",
            "/api/v1/custody/sign-out",
            {"unit_id": ids.unit, "holder_kind": "person", "holder_id": ids.guard},
        ),
        ("post", "/api/v1/custody/sign-back", {"unit_id": ids.unit}),
        (
            "post",
            "/api/v1/requests",
            {
                "title": "Rifle",
                "source": zone,
                "lines": [
                    {"item_id": ids.item, "quantity": 1, "dest": {"kind": "post", "id": ids.south}}
                ],
            },
        ),
        ("post", "/api/v1/workorders", {"title": "Shields", "assignee_person_id": ids.guard}),
    ]


class TestRefusedCallersLearnNothing:
    """A token that may not act gets 403 before any lookup, conflict or validation."""

    @pytest.mark.parametrize("who", ["observer", "reader", "handset"])
    def test_every_write_is_403_naming_nothing(
        self, refused_clients: dict[str, TestClient], ids: Ids, who: str
    ) -> None:
        """Sign-out, sign-back, stock moves, items, requests, work orders: 403, no names."""
        caller = refused_clients[who]
        for method, url, body in _writes(ids):
            response = getattr(caller, method)(url, json=body)
            assert response.status_code == 403, (who, url, response.text)
            leaked = [s for s in SECRETS if s in response.text]
            assert leaked == [], (who, url, response.text)

    @pytest.mark.parametrize("who", ["observer", "reader", "handset"])
    def test_unknown_ids_are_403_not_404(
        self, refused_clients: dict[str, TestClient], who: str
    ) -> None:
        """Whether a request, delivery, step or work order exists is not told either."""
        caller = refused_clients[who]
        note = {"note": "x"}
        for url, body in (
            ("/api/v1/requests/nope/approve", note),
            ("/api/v1/requests/nope/reject", note),
            ("/api/v1/requests/nope/cancel", note),
            ("/api/v1/deliveries/nope/pick", {}),
            ("/api/v1/deliveries/nope/confirm", note),
            ("/api/v1/workorders/steps/nope/done", None),
            ("/api/v1/workorders/materials/nope/consume", {"quantity": 1}),
            ("/api/v1/workorders/nope/tests", {"name": "Blade strike", "outcome": "passed"}),
            ("/api/v1/workorders/nope/complete", note),
            ("/api/v1/workorders/nope/cancel", note),
        ):
            response = caller.post(url, json=body)
            assert response.status_code == 403, (who, url, response.text)

    def test_the_same_calls_conflict_for_a_commander(
        self, make_client: Callable[..., TestClient], ids: Ids
    ) -> None:
        """The refusals above are the authorization, not the state: a commander gets 409."""
        commander = make_client("commander")
        zone = {"kind": "zone", "id": ids.armory}
        response = commander.post(
            "/api/v1/stock/transfer",
            json={
                "item_id": ids.item,
                "serials": ["RF-01"],
                "source": zone,
                "dest": {"kind": "zone", "id": ids.workshop},
            },
        )
        assert response.status_code == 409
        assert "RF-01 is signed_out" in response.json()["detail"]


PLACES = ("--from", "zone:Armory", "--to", "zone:Engineering workshop")


class TestRefusedAtTheCommandLine:
    """At the command line too, an observer refused a move or a write-off of the signed-out
    rifle hears nothing of it: the command authorizes before it looks the rifle up."""

    def test_transfer_and_write_off_name_nothing(
        self, db: Database, ids: Ids, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """``muster stock transfer`` and ``muster stock lost`` of RF-01 fail plainly, in the
        same words as for a rifle that does not exist."""
        from typer.testing import CliRunner

        from muster.cli.main import app
        from muster.config import get_settings

        with db.session_scope() as session:
            auth_service.create_account(
                session,
                username="olive",
                display_name="Olive",
                roles=["observer"],
                password="correct horse battery",
                actor=SYSTEM,
            )
        monkeypatch.setenv("MUSTER_DATABASE_URL", db.url)
        monkeypatch.setenv("MUSTER_USER", "olive")
        monkeypatch.setenv("MUSTER_PASSWORD", "correct horse battery")
        monkeypatch.delenv("MUSTER_MODE", raising=False)
        get_settings.cache_clear()
        outputs: dict[tuple[str, str], str] = {}
        try:
            for serial in ("RF-01", "RF-99"):
                for args in (
                    ["transfer", "Rifle", "--serial", serial, *PLACES],
                    ["lost", "Rifle", serial, "--reason", "Dropped", "--witness", "Guard South"],
                ):
                    result = CliRunner().invoke(app, ["stock", *args], terminal_width=300)
                    assert result.exit_code != 0, result.output
                    assert "Traceback" not in result.output
                    leaked = [s for s in SECRETS if s in result.output.replace(serial, "")]
                    assert leaked == [], result.output
                    outputs[(args[0], serial)] = result.output.replace(serial, "SERIAL")
        finally:
            get_settings.cache_clear()
        assert outputs[("transfer", "RF-01")] == outputs[("transfer", "RF-99")]
        assert outputs[("lost", "RF-01")] == outputs[("lost", "RF-99")]
