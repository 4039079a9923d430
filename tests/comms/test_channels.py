"""Channels: who makes them, what a direct channel names, and that none reaches the visitors."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from comms.station import Station, commander
from muster.comms.enums import ChannelKind
from muster.comms.groups import PersonRule, RoleRule
from muster.comms.service import create_channel, ensure_broadcast_channel, find_channel
from muster.errors import Conflict, Invalid, NotFound

MakeClient = Callable[..., TestClient]
AIRLOCKS = {
    "name": "Airlock posts",
    "kind": "group",
    "rule": {"kind": "posts", "portal_kind": "airlock"},
}


class TestCreate:
    """A channel has a name of its own and a rule that fits its kind."""

    def test_direct_channel_needs_person_rule(self, session: Session, station: Station) -> None:
        """A direct channel with a group rule is refused."""
        with pytest.raises(Invalid):
            create_channel(
                session,
                name="Direct",
                kind=ChannelKind.DIRECT,
                rule=RoleRule(role="medic"),
                actor=commander(station),
            )

    def test_duplicate_channel_name(self, session: Session, station: Station) -> None:
        """Two channels may not share a name."""
        rule = PersonRule(person_id=station.persons["Mary"])
        create_channel(
            session, name="Mary", kind=ChannelKind.DIRECT, rule=rule, actor=commander(station)
        )
        with pytest.raises(Conflict):
            create_channel(
                session, name="Mary", kind=ChannelKind.DIRECT, rule=rule, actor=commander(station)
            )

    def test_no_direct_channel_to_the_visiting_party(
        self, session: Session, station: Station
    ) -> None:
        """Bahati, the visiting commander, is no station channel's member."""
        with pytest.raises(Invalid, match="of the visiting party"):
            create_channel(
                session,
                name="Bahati",
                kind=ChannelKind.DIRECT,
                rule=PersonRule(person_id=station.persons["Bahati"]),
                actor=commander(station),
            )

    def test_one_broadcast_channel(self, session: Session, station: Station) -> None:
        """Asking for the broadcast channel twice gives the same channel."""
        first = ensure_broadcast_channel(session, actor=commander(station))
        assert ensure_broadcast_channel(session, actor=commander(station)).id == first.id
        assert find_channel(session, first.name).id == first.id

    def test_an_unknown_channel(self, session: Session, station: Station) -> None:
        with pytest.raises(NotFound, match="no channel named or numbered"):
            find_channel(session, "Nowhere")


class TestOverHttp:
    """Command makes channels; a guard or a medic may not, and learns nothing by trying."""

    @pytest.mark.parametrize("role", ["guard", "medic", "observer"])
    def test_refused(self, make_client: MakeClient, crew: Station, role: str) -> None:
        refused = make_client(role).post("/api/v1/comms/channels", json=AIRLOCKS)
        assert refused.status_code == 403, refused.text
        assert "comms.channel.manage" in refused.json()["detail"]
        assert make_client("officer").get("/api/v1/comms/channels").json()["total"] == 0

    def test_an_officer_makes_one_and_a_guard_reads_it(
        self, make_client: MakeClient, crew: Station
    ) -> None:
        made = make_client("officer").post("/api/v1/comms/channels", json=AIRLOCKS)
        assert made.status_code == 201, made.text
        listed = make_client("guard").get("/api/v1/comms/channels").json()["items"]
        assert [c["name"] for c in listed] == ["Airlock posts"]

    def test_a_name_taken(self, make_client: MakeClient, crew: Station) -> None:
        officer = make_client("officer")
        officer.post("/api/v1/comms/channels", json=AIRLOCKS)
        again = officer.post("/api/v1/comms/channels", json=AIRLOCKS)
        assert again.status_code == 409, again.text
        assert "choose another name" in again.json()["detail"]
