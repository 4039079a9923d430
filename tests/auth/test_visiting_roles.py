"""P6 on every path: a person moved into the visiting party acts with no station role.

The account keeps its roles on file (the move may be undone), but every actor built for it
(bearer token, console session, CLI sign-in) carries none while its person is a visitor or
in a visiting party, so no check downstream can be fooled by what the account says.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from comms.station import Station
from posts.conftest import commander, crew, guard, incident  # noqa: F401  (fixtures)

WEST = "West airlock post"


class TestMovedIntoTheVisitingParty:
    """A guard made a visitor, or put in a visiting party, loses the guard's powers at once."""

    def test_a_guard_made_a_visitor_may_not_report_call_help_or_read_the_board(
        self,
        make_client: Callable[..., TestClient],
        crew: Station,  # noqa: F811
        commander: TestClient,  # noqa: F811
        incident: str,  # noqa: F811
    ) -> None:
        wes = guard(make_client, crew, "Wes")
        assert wes.get("/api/v1/post-board").status_code == 200  # a guard before the move
        moved = commander.patch(
            f"/api/v1/persons/{crew.persons['Wes']}", json={"affiliation": "visitor"}
        )
        assert moved.status_code == 200, moved.text
        assert (
            wes.post(f"/api/v1/posts/{WEST}/reports", json={"status": "standoff"}).status_code
            == 403
        )
        assert wes.post(f"/api/v1/posts/{WEST}/help", json={"text": "Need help"}).status_code == 403
        assert wes.get("/api/v1/post-board").status_code == 403

    def test_a_guard_put_in_a_visiting_party_may_not_report(
        self,
        make_client: Callable[..., TestClient],
        crew: Station,  # noqa: F811
        commander: TestClient,  # noqa: F811
        incident: str,  # noqa: F811
    ) -> None:
        tara = guard(make_client, crew, "Tara")
        party = commander.post("/api/v1/parties", json={"name": "Visiting party", "kind": "vessel"})
        assert party.status_code == 201, party.text
        moved = commander.patch(
            f"/api/v1/persons/{crew.persons['Tara']}", json={"party_id": party.json()["id"]}
        )
        assert moved.status_code == 200, moved.text
        assert (
            tara.post(f"/api/v1/posts/{WEST}/reports", json={"status": "quiet"}).status_code == 403
        )
        assert tara.get("/api/v1/post-board").status_code == 403
        # Back out of the party: the roles on file apply again.
        back = commander.patch(f"/api/v1/persons/{crew.persons['Tara']}", json={"party_id": None})
        assert back.status_code == 200, back.text
        assert tara.get("/api/v1/post-board").status_code == 200
