"""Each comms rule has one owner: the floor and 'who may broadcast' hold on every path."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from comms.station import Station, build_station
from muster import clock
from muster.comms import scenario_actions as sa
from muster.comms.enums import ChannelKind, Precedence
from muster.comms.floor import request_floor
from muster.comms.groups import AllRule, PostsRule
from muster.comms.service import create_channel
from muster.db import Database
from muster.errors import Forbidden
from muster.policy.actor import Actor
from muster.scenario.actions import ActionContext

ADMIN = Actor.system("test")
OPUS = b"\x1aE\xdf\xa3 opus frames"


@pytest.fixture
def crew(db: Database) -> Station:
    """The station, committed."""
    with db.session_scope() as session:
        return build_station(session)


def west_with_floor_held_by_wes(db: Database, crew: Station) -> str:
    """The West airlock channel, whose floor Wes's handset holds now."""
    wes = Actor(
        kind="token", id="t-wes", name="Wes", roles=frozenset({"guard"}),
        person_id=crew.persons["Wes"],
    )  # fmt: skip
    with db.session_scope() as session:
        channel = create_channel(
            session,
            name="West airlock",
            kind=ChannelKind.GROUP,
            rule=PostsRule(portal_id=crew.portals["West airlock"]),
            actor=ADMIN,
        )
        granted = request_floor(
            session,
            channel_id=channel.id,
            actor=wes,
            precedence=Precedence.ROUTINE,
            now=clock.now(),
            hold_seconds=600,
        )
        assert granted.granted
        return channel.id


def upload(client: TestClient) -> str:
    """Upload a voice clip; return its id."""
    response = client.post(
        "/api/v1/comms/clips", content=OPUS, headers={"content-type": "audio/webm"}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


class TestFloorOverHttp:
    """A voice clip sent over HTTP keeps the push-to-talk floor like one sent by handset."""

    def test_clip_refused_while_another_holds_the_floor(
        self, db: Database, make_client: Callable[..., TestClient], crew: Station
    ) -> None:
        """Tara's clip to the channel Wes is speaking on is a 409 naming Wes."""
        channel = west_with_floor_held_by_wes(db, crew)
        tara = make_client("guard", person_id=crew.persons["Tara"])
        sent = tara.post(
            "/api/v1/comms/messages", json={"channel_id": channel, "clip_id": upload(tara)}
        )
        assert sent.status_code == 409, sent.text
        assert "Wes has the floor" in sent.json()["detail"]

    def test_flash_interrupts(
        self, db: Database, make_client: Callable[..., TestClient], crew: Station
    ) -> None:
        """A commander's flash clip goes through the floor Wes holds."""
        channel = west_with_floor_held_by_wes(db, crew)
        john = make_client("commander", person_id=crew.persons["John"])
        sent = john.post(
            "/api/v1/comms/messages",
            json={"channel_id": channel, "clip_id": upload(john), "precedence": "flash"},
        )
        assert sent.status_code == 201, sent.text

    def test_no_sending_anothers_clip(
        self, db: Database, make_client: Callable[..., TestClient], crew: Station
    ) -> None:
        """A clip recorded by Wes cannot be sent as Tara's message."""
        channel = west_with_floor_held_by_wes(db, crew)
        wes = make_client("guard", person_id=crew.persons["Wes"])
        tara = make_client("guard", person_id=crew.persons["Tara"])
        sent = tara.post(
            "/api/v1/comms/messages", json={"channel_id": channel, "clip_id": upload(wes)}
        )
        assert sent.status_code == 403, sent.text


class TestBroadcastInScenarios:
    """A scenario inject sends under the same broadcast rule as the API."""

    def test_guard_may_not_use_the_broadcast_channel(
        self, session: Session, station: Station
    ) -> None:
        """A guard's routine message on the broadcast channel is refused in an exercise too."""
        create_channel(
            session, name="All stations", kind=ChannelKind.BROADCAST, rule=AllRule(), actor=ADMIN
        )
        gail = Actor(
            kind="account", id="acct-gail", name="Gail", roles=frozenset({"guard"}),
            person_id=station.persons["Gail"],
        )  # fmt: skip
        with pytest.raises(Forbidden, match=r"comms\.broadcast"):
            sa.send_order(
                ActionContext(session, gail, clock.now()),
                sa.SendArgs(channel="All stations", text="Everyone to the South airlock."),
            )
