"""A permit is a decision at one moment: a passage after its facts changed is refused."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from typer.testing import CliRunner

from access.station import build_station
from muster import clock
from muster.access.passes import issue_duty_pass, issue_visit
from muster.access.presence import move_person
from muster.cli.main import app
from muster.config import get_settings
from muster.db import Database
from muster.events.models import Event
from muster.people.enums import Affiliation
from muster.places.models import Zone
from muster.policy.actor import Actor

Client = Callable[..., TestClient]
Invoke = Callable[..., Result]


def _station(db: Database) -> dict[str, str]:
    """Zane, a visitor of the vessel docked at the South airlock, and Ana, a resident with
    an approved consent case for it, both in the South corridor."""
    with db.session_scope() as s:
        st = build_station(s)
        st.add_person("Zane", Affiliation.VISITOR, party=st.vessel, zone="south")
        st.add_person("Ana", Affiliation.RESIDENT, zone="south")
        st.consent_case("Ana")
        assert st.post is not None
        return {"portal": st.portals["South airlock"].id, "post": st.post.id}


def _permit(guard: TestClient, portal: str, person: str) -> None:
    resp = guard.post(
        f"/api/v1/portals/{portal}/requests", json={"persons": [person], "direction": "exit"}
    )
    assert resp.json()["decisions"][0]["allowed"], resp.text


def _pass(guard: TestClient, portal: str, person: str, key: str) -> Response:
    return guard.post(
        f"/api/v1/portals/{portal}/passages",
        json={"person": person, "direction": "exit"},
        headers={"Idempotency-Key": key},
    )


def _post_alerts(db: Database, post_id: str) -> list[Event]:
    with db.session_scope(write=False) as s:
        rows = s.scalars(select(Event).where(Event.kind == "access.alert")).all()
        return [
            e for e in rows if e.payload.get("about") == "passage.refused" and post_id in e.subjects
        ]


class TestStalePermitOverHttp:
    """A passage reported after a hold, a revocation or a mode change is refused and alerted."""

    def test_passage_after_a_hold_is_refused(self, db: Database, make_client: Client) -> None:
        ids = _station(db)
        guard, officer = make_client("guard"), make_client("officer")
        _permit(guard, ids["portal"], "Zane")
        held = officer.post(
            "/api/v1/holds", json={"person": "Zane", "kind": "provisional", "reason": "questions"}
        )
        assert held.status_code == 201, held.text
        resp = _pass(guard, ids["portal"], "Zane", "k1")
        assert resp.status_code == 409, resp.text
        assert "a hold was placed" in resp.json()["detail"]
        assert guard.get("/api/v1/presence/Zane").json()["aboard"]
        assert len(_post_alerts(db, ids["post"])) == 1
        again = _pass(guard, ids["portal"], "Zane", "k2")
        assert again.status_code == 409

    def test_passage_after_revocation_is_refused(self, db: Database, make_client: Client) -> None:
        ids = _station(db)
        guard = make_client("guard")
        _permit(guard, ids["portal"], "Ana")
        revoked = guard.post(
            "/api/v1/welfare/revocations",
            json={"person_id": "Ana", "statement": "I am staying on the station."},
        )
        assert revoked.status_code == 200, revoked.text
        resp = _pass(guard, ids["portal"], "Ana", "k1")
        assert resp.status_code == 409
        assert "consent cases" in resp.json()["detail"]
        assert len(_post_alerts(db, ids["post"])) == 1

    def test_passage_after_lockdown_is_refused(self, db: Database, make_client: Client) -> None:
        ids = _station(db)
        guard, commander = make_client("guard"), make_client("commander")
        _permit(guard, ids["portal"], "Zane")
        mode = commander.put(
            f"/api/v1/portals/{ids['portal']}/mode", json={"mode": "lockdown", "reason": "standoff"}
        )
        assert mode.status_code == 200, mode.text
        resp = _pass(guard, ids["portal"], "Zane", "k1")
        assert resp.status_code == 409
        assert "mode changed from normal to lockdown" in resp.json()["detail"]

    def test_unchanged_permit_passes(self, db: Database, make_client: Client) -> None:
        ids = _station(db)
        guard = make_client("guard")
        _permit(guard, ids["portal"], "Zane")
        assert _pass(guard, ids["portal"], "Zane", "k1").status_code == 201
        assert _post_alerts(db, ids["post"]) == []


def _boarding(db: Database) -> dict[str, str]:
    """Vera, a visitor of the docked vessel in the South collar with a visit to the South
    corridor, and Eli, crew, beside her to escort her aboard."""
    with db.session_scope() as s:
        st = build_station(s)
        vera = st.add_person("Vera", Affiliation.VISITOR, party=st.vessel, zone="south_collar")
        eli = st.add_person("Eli", Affiliation.CREW, zone="south_collar")
        now = clock.now()
        issue_visit(
            s,
            person_id=vera.id,
            host_id=eli.id,
            purpose="inspection",
            zone_ids=[st.zones["south"].id],
            valid_from=now - timedelta(hours=1),
            valid_until=now + timedelta(hours=4),
            actor=Actor.system("test"),
        )
        return {"portal": st.portals["South airlock"].id, "vera": vera.id, "eli": eli.id}


class TestEscortedPermit:
    """P3: a visitor permitted because her escort came with her does not go on alone once
    the escort is stopped (recorded missing between the decision and the passage)."""

    def _permit_both(self, guard: TestClient, ids: dict[str, str]) -> None:
        resp = guard.post(
            f"/api/v1/portals/{ids['portal']}/requests",
            json={"persons": ["Vera", "Eli"], "direction": "enter"},
        )
        assert [d["allowed"] for d in resp.json()["decisions"]] == [True, True], resp.text

    def _enter(self, guard: TestClient, ids: dict[str, str], who: str) -> Response:
        return guard.post(
            f"/api/v1/portals/{ids['portal']}/passages",
            json={"person": who, "direction": "enter"},
            headers={"Idempotency-Key": f"enter-{who}"},
        )

    @pytest.mark.parametrize("first", ["Eli", "Vera"])
    def test_escort_stopped_stops_the_visitor(
        self, db: Database, make_client: Client, first: str
    ) -> None:
        """Whichever of the two the door reports first, the visitor is refused with the
        escort, and both stay outside."""
        ids = _boarding(db)
        guard = make_client("guard")
        self._permit_both(guard, ids)
        missing = make_client("medic").patch(
            f"/api/v1/persons/{ids['eli']}", json={"status": "missing"}
        )
        assert missing.status_code == 200, missing.text
        answers = {
            who: self._enter(guard, ids, who) for who in (first, *({"Eli", "Vera"} - {first}))
        }
        assert [a.status_code for a in answers.values()] == [409, 409], answers
        assert "escort they were permitted with" in answers["Vera"].json()["detail"]
        assert not guard.get("/api/v1/presence/Vera").json()["aboard"]

    @pytest.mark.parametrize("stop", ["hold", "missing"])
    def test_escort_stopped_then_set_right_still_stops_her(
        self, db: Database, make_client: Client, stop: str
    ) -> None:
        """His passage refused spends his permit: once his hold is lifted or he is found,
        her permit still counts an escort who did not go through (found by the hostile
        review: she then passed alone)."""
        ids = _boarding(db)
        guard, officer, medic = make_client("guard"), make_client("officer"), make_client("medic")
        self._permit_both(guard, ids)
        if stop == "hold":
            held = officer.post(
                "/api/v1/holds", json={"person": "Eli", "kind": "provisional", "reason": "q"}
            )
            assert held.status_code == 201, held.text
        else:
            patch = medic.patch(f"/api/v1/persons/{ids['eli']}", json={"status": "missing"})
            assert patch.status_code == 200, patch.text
        assert self._enter(guard, ids, "Eli").status_code == 409
        if stop == "hold":
            lifted = officer.post(
                f"/api/v1/holds/{held.json()['id']}/lift", json={"reason": "cleared"}
            )
            assert lifted.status_code == 200, lifted.text
        else:
            found = medic.patch(f"/api/v1/persons/{ids['eli']}", json={"status": "active"})
            assert found.status_code == 200, found.text
        vera = self._enter(guard, ids, "Vera")
        assert vera.status_code == 409, vera.text
        assert "escort they were permitted with" in vera.json()["detail"]
        assert not guard.get("/api/v1/presence/Vera").json()["aboard"]

    def test_escort_through_first_then_she_follows(self, db: Database, make_client: Client) -> None:
        """The escort reported through first: his permit is used by his passage, and she
        follows him (his own passage changed where he is, which is no refusal of hers)."""
        ids = _boarding(db)
        guard = make_client("guard")
        self._permit_both(guard, ids)
        assert self._enter(guard, ids, "Eli").status_code == 201
        vera = self._enter(guard, ids, "Vera")
        assert vera.status_code == 201, vera.text
        assert guard.get("/api/v1/presence/Vera").json()["aboard"]

    def test_escort_through_and_back_out_leaves_her_outside(
        self, db: Database, make_client: Client
    ) -> None:
        """The escort went through and is back in the collar: he is not beside her on the
        far side."""
        ids = _boarding(db)
        guard = make_client("guard")
        self._permit_both(guard, ids)
        assert self._enter(guard, ids, "Eli").status_code == 201
        with db.session_scope() as s:  # he steps back out to the collar (on a duty of his)
            collar = s.scalar(select(Zone.id).where(Zone.name == "south_collar"))
            assert collar is not None
            move_person(s, person_id=ids["eli"], zone_id=collar, source="test")
        vera = self._enter(guard, ids, "Vera")
        assert vera.status_code == 409, vera.text

    def test_a_visitor_leaving_needs_no_escort(self, db: Database, make_client: Client) -> None:
        """A visitor who leaves beside a crew member on duty was not permitted because of
        him: his passage refused (a hold placed) leaves her exit standing."""
        with db.session_scope() as s:
            st = build_station(s)
            zane = st.add_person("Zane", Affiliation.VISITOR, party=st.vessel, zone="south")
            george = st.add_person("George", Affiliation.CREW, zone="south")
            now = clock.now()
            issue_duty_pass(
                s,
                person_id=george.id,
                purpose="escort to the collar",
                valid_from=now - timedelta(hours=1),
                valid_until=now + timedelta(hours=4),
                actor=Actor.system("test"),
            )
            portal = st.portals["South airlock"].id
            assert zane.id
        guard, officer = make_client("guard"), make_client("officer")
        asked = guard.post(
            f"/api/v1/portals/{portal}/requests",
            json={"persons": ["Zane", "George"], "direction": "exit"},
        )
        assert [d["allowed"] for d in asked.json()["decisions"]] == [True, True], asked.text
        held = officer.post(
            "/api/v1/holds", json={"person": "George", "kind": "provisional", "reason": "q"}
        )
        assert held.status_code == 201, held.text
        assert _pass(guard, portal, "George", "g1").status_code == 409
        zane_out = _pass(guard, portal, "Zane", "z1")
        assert zane_out.status_code == 201, zane_out.text

    def test_escort_unchanged_both_pass(self, db: Database, make_client: Client) -> None:
        """The visitor reported before her escort passes while his permit still holds."""
        ids = _boarding(db)
        guard = make_client("guard")
        self._permit_both(guard, ids)
        assert self._enter(guard, ids, "Vera").status_code == 201
        assert self._enter(guard, ids, "Eli").status_code == 201
        assert guard.get("/api/v1/presence/Vera").json()["aboard"]


@pytest.fixture
def muster(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    """Run ``muster`` commands against the test database."""
    monkeypatch.setenv("MUSTER_DATABASE_URL", db.url)
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, list(args))
    get_settings.cache_clear()


class TestStalePermitCommand:
    """``muster access passage`` refuses a permit that a hold overtook, and keeps the alert."""

    def test_passage_after_a_hold_is_refused(self, db: Database, muster: Invoke) -> None:
        ids = _station(db)
        asked = muster("access", "request", "South airlock", "Zane", "--direction", "exit")
        assert "1 may pass" in asked.output, asked.output
        held = muster("hold", "place", "Zane", "--reason", "questions")
        assert held.exit_code == 0, held.output
        result = muster("access", "passage", "South airlock", "Zane", "--key", "k1")
        assert result.exit_code == 1
        assert "Passage refused" in result.output
        assert len(_post_alerts(db, ids["post"])) == 1
