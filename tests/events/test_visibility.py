"""Events about the station's defences are read by command roles only."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from muster.db import Database
from muster.events.service import append_event
from muster.events.visibility import hidden_kinds, is_visible
from muster.policy.actor import Actor


def _record(db: Database) -> None:
    with db.session_scope() as session:
        actor = Actor.system("test")
        append_event(session, kind="vessels.asset.updated", actor=actor, payload={"ready": False})
        append_event(session, kind="people.person.created", actor=actor, payload={})


class TestHiddenKinds:
    """Which kind prefixes an actor may not read."""

    def test_officer_may_not_read_asset_events(self) -> None:
        """An officer has the asset prefix hidden; a commander has nothing hidden."""
        officer = Actor(kind="account", id="o", name="Ken", roles=frozenset({"officer"}))
        commander = Actor(kind="account", id="c", name="John", roles=frozenset({"commander"}))
        assert hidden_kinds(officer) == ("vessels.asset.",)
        assert hidden_kinds(commander) == ()
        assert not is_visible("vessels.asset.updated", hidden_kinds(officer))
        assert is_visible("people.person.created", hidden_kinds(officer))


class TestEventListVisibility:
    """The event list leaves out what the reader may not see, and counts accordingly."""

    def test_officer_list_excludes_asset_events(
        self, db: Database, make_client: Callable[..., TestClient]
    ) -> None:
        """The officer sees one event; the commander sees both."""
        _record(db)
        officer = make_client("officer").get("/api/v1/events", params={"kind": "vessels."})
        commander = make_client("commander").get("/api/v1/events", params={"kind": "vessels."})
        assert officer.status_code == 200
        assert officer.json()["total"] == 0
        assert commander.json()["total"] == 1
        everything = make_client("officer").get("/api/v1/events").json()["items"]
        assert all(not e["kind"].startswith("vessels.asset.") for e in everything)
