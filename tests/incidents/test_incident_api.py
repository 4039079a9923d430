"""The incident API: the scribe edits the draft, only the commander publishes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text

from harness.checkpoints import sign_now, verify_carried
from incidents.conftest import declare_over_http
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
        iid = declare_over_http(commander, john)
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


def _declare(db: Database, commander: TestClient) -> str:
    with db.session_scope() as s:
        john = create_person(
            s, data=PersonCreate(name="John", affiliation=Affiliation.CREW), actor=Actor.system()
        ).id
    return declare_over_http(commander, john)


def _cut_tail(db: Database, keep: int) -> None:
    """Delete every event after ``keep``, as someone with write access to the database."""
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM event_subjects WHERE seq > :k"), {"k": keep})
        conn.execute(text("DELETE FROM events WHERE seq > :k"), {"k": keep})


class TestSitrepCheckpoint:
    """Every published report carries the record's newest signed head, and it verifies."""

    def test_published_report_carries_a_verifiable_checkpoint(
        self, db: Database, make_client: MakeClient, signing_key: Path
    ) -> None:
        """JSON and Markdown carry it; verify passes, then catches a cut tail."""
        commander = make_client("commander")
        iid = _declare(db, commander)
        signed = sign_now(db, signing_key)
        assert commander.post(f"/api/v1/incidents/{iid}/sitreps").status_code == 201
        carried = commander.get(f"/api/v1/incidents/{iid}/sitreps/1").json()
        assert carried["figures"]["record_checkpoint"] == signed.to_dict()
        md = commander.get(f"/api/v1/incidents/{iid}/sitreps/1?fmt=md").text
        block = md.split("## Record checkpoint", 1)[1].split("```json\n", 1)[1]
        from_md = json.loads(block.split("\n```", 1)[0])
        assert from_md == signed.to_dict()
        result = verify_carried(signing_key, from_md)
        assert result.exit_code == 0, result.output
        assert f"extends the {signed.size} events" in result.output
        _cut_tail(db, signed.size - 1)
        result = verify_carried(signing_key, carried["figures"]["record_checkpoint"])
        assert result.exit_code != 0
        assert "tail was cut" in result.output

    def test_report_before_any_checkpoint_says_so(
        self, db: Database, make_client: MakeClient
    ) -> None:
        """Nothing signed yet: the report says so in words, not a blank or a 'None'."""
        commander = make_client("commander")
        iid = _declare(db, commander)
        assert commander.post(f"/api/v1/incidents/{iid}/sitreps").status_code == 201
        version = commander.get(f"/api/v1/incidents/{iid}/sitreps/1").json()
        assert version["figures"]["record_checkpoint"] is None
        md = commander.get(f"/api/v1/incidents/{iid}/sitreps/1?fmt=md").text
        assert "No signed checkpoint of the record yet." in md
        assert commander.get(f"/api/v1/incidents/{iid}/sitreps/1?fmt=pdf").status_code == 200
