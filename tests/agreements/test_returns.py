"""Return terms and return requests: a return is met on the record (passage and screening);
a request is closed by command or the liaison, once, as fulfilled or withdrawn, with why."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from agreements.conftest import agreement_terms, new_term
from muster import clock
from muster.access.decisions import decide_request
from muster.access.enums import Direction
from muster.access.passages import record_passage
from muster.access.presence import move_person
from muster.agreements.enums import TermKind, TermStatus
from muster.agreements.evidence import term_evidence
from muster.agreements.returns import evaluate_return_term, open_return_request
from muster.db import Database
from muster.errors import Forbidden, Invalid
from welfare.station import ADMIN, Station, build_station

MakeClient = Callable[..., TestClient]


class TestReturnTerm:
    """A return term is met when each listed person is back through an airlock and screened."""

    def test_met_only_after_passage_and_screening(self, station: Station) -> None:
        lisa = station.persons["Lisa"]
        (term,) = agreement_terms(
            station,
            new_term(
                "Residents aboard the vessel are returned.",
                kind=TermKind.RETURN,
                persons=["Lisa"],
                recurrence="",
                due_at=clock.now() + timedelta(days=1),
            ),
        )
        move_person(
            station.session,
            person_id=lisa.id,
            zone_id=station.airlock.outside_zone_id,
            source="aboard the vessel",
        )
        _term_row, progress = evaluate_return_term(station.session, term_id=term.id, actor=ADMIN)
        assert term.status is TermStatus.PENDING
        assert progress[0].passage_id is None
        decide_request(
            station.session,
            portal_id=station.airlock.id,
            person_refs=[lisa.id],
            direction=Direction.ENTER,
            actor=ADMIN,
        )
        record_passage(
            station.session,
            portal_id=station.airlock.id,
            person_ref=lisa.id,
            direction=Direction.ENTER,
            idempotency_key="k1",
            actor=ADMIN,
        )
        evaluate_return_term(station.session, term_id=term.id, actor=ADMIN)
        assert term.status is TermStatus.PENDING
        station.screen("Lisa", hours_ago=0)
        evaluate_return_term(station.session, term_id=term.id, actor=ADMIN)
        assert term.status is TermStatus.MET
        refs = {e.ref.split(":")[0] for e in term_evidence(station.session, term.id)}
        assert refs >= {"passage", "screening", lisa.id}

    def test_only_a_return_term(self, station: Station) -> None:
        (orbit,) = agreement_terms(station, new_term())
        with pytest.raises(Invalid, match="only a return term"):
            evaluate_return_term(station.session, term_id=orbit.id, actor=ADMIN)

    def test_a_guard_may_not_evaluate(self, station: Station) -> None:
        (orbit,) = agreement_terms(station, new_term())
        guard = station.officer("Gail", "guard")
        with pytest.raises(Forbidden, match=r"agreement\.term\.status"):
            evaluate_return_term(station.session, term_id=orbit.id, actor=guard)


class TestClosingARequest:
    """Command or the liaison closes an open request once, as fulfilled or withdrawn, saying why."""

    @pytest.fixture
    def request_id(self, db: Database) -> str:
        """A request that Lisa come back from the vessel, committed; its id."""
        with db.session_scope() as session:
            station = build_station(session)
            row = open_return_request(
                session,
                person_id=station.persons["Lisa"].id,
                vessel_party_id=station.vessel.id,
                reason="a check-up was missed",
                actor=ADMIN,
            )
            return row.id

    def close(self, client: TestClient, request_id: str, **body: str) -> Response:
        return client.post(
            f"/api/v1/agreements/return-requests/{request_id}/close",
            json={"status": "fulfilled", "reason": "back aboard", **body},
        )

    @pytest.mark.parametrize("role", ["officer", "guard", "welfare"])
    def test_refused(self, make_client: MakeClient, request_id: str, role: str) -> None:
        refused = self.close(make_client(role), request_id)
        assert refused.status_code == 403, refused.text
        assert "return_request.manage" in refused.json()["detail"]

    def test_the_liaison_closes_once(self, make_client: MakeClient, request_id: str) -> None:
        liaison = make_client("liaison")
        closed = self.close(liaison, request_id)
        assert closed.json()["status"] == "fulfilled"
        again = self.close(liaison, request_id, status="withdrawn")
        assert again.status_code == 409
        assert "fulfilled already" in again.json()["detail"]
        listed = liaison.get("/api/v1/agreements/return-requests").json()
        assert [r["status"] for r in listed["items"]] == ["fulfilled"]

    def test_closed_as_open(self, make_client: MakeClient, request_id: str) -> None:
        refused = self.close(make_client("commander"), request_id, status="open")
        assert refused.status_code == 422
        assert "fulfilled or withdrawn" in refused.json()["detail"]

    def test_why(self, make_client: MakeClient, request_id: str) -> None:
        refused = self.close(make_client("commander"), request_id, reason="  ")
        assert refused.status_code == 422
        assert "reason" in refused.json()["detail"]

    def test_an_unknown_request(self, make_client: MakeClient, request_id: str) -> None:
        missing = self.close(make_client("commander"), "nope")
        assert missing.status_code == 404
