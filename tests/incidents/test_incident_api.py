"""The incident API: the scribe edits the draft, only the commander publishes."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from muster.db import Database
from muster.people.enums import Affiliation
from muster.people.schemas import PersonCreate
from muster.people.service import create_person
from muster.policy.actor import Actor

MakeClient = Callable[..., TestClient]


class TestSitrepRoles:
    """Drafts are the scribe's, publication the commander's."""

    def test_scribe_edits_commander_publishes(self, db: Database, make_client: MakeClient) -> None:
        """The scribe may not publish; the commander's version reads back in every format."""
        with db.session_scope() as s:
            john = create_person(
                s,
                data=PersonCreate(name="John", affiliation=Affiliation.CREW),
                actor=Actor.system(),
            ).id
        commander, scribe = make_client("commander"), make_client("scribe")
        made = commander.post(
            "/api/v1/incidents",
            json={
                "title": "West airlock",
                "kind": "security",
                "severity": "critical",
                "location": "West airlock",
                "commander_id": john,
            },
        )
        assert made.status_code == 201, made.text
        iid = made.json()["id"]
        edit = scribe.patch(f"/api/v1/incidents/{iid}/sitrep", json={"situation": "Standoff."})
        assert edit.status_code == 200, edit.text
        assert scribe.post(f"/api/v1/incidents/{iid}/sitreps").status_code == 403
        published = commander.post(f"/api/v1/incidents/{iid}/sitreps")
        assert published.json()["number"] == 1
        assert (
            commander.get(f"/api/v1/incidents/{iid}/sitreps/1").json()["situation"] == "Standoff."
        )
        md = commander.get(f"/api/v1/incidents/{iid}/sitreps/1?fmt=md")
        assert md.text.startswith("# Situation report 1")
        pdf = commander.get(f"/api/v1/incidents/{iid}/sitreps/1?fmt=pdf")
        assert pdf.content.startswith(b"%PDF")
        timeline = commander.get(f"/api/v1/incidents/{iid}/timeline").json()
        assert timeline[-1]["kind"] == "incidents.sitrep.published"
        draft = scribe.get(f"/api/v1/incidents/{iid}/sitrep").json()
        assert draft["status"] == "draft"
        assert "casualties" in draft["figures"]
