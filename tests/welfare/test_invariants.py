"""Invariant: no sequence of steps lets a person out to a vessel without an approved,
current, unrevoked case."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from muster import clock
from muster.access.enums import HoldKind
from muster.access.holds import lift_hold, open_holds, place_hold
from muster.errors import DomainError
from muster.medical.enums import ScreeningResult
from muster.welfare.cases import active_cases, approve_case, record_interview
from muster.welfare.checkups import pending_checkup, record_checkup, run_due_checkups
from muster.welfare.enums import Assessment, Capacity, CaseStatus
from muster.welfare.models import ConsentCase
from muster.welfare.transfer import revoke_consent
from welfare.helpers import approved, open_for
from welfare.station import ADMIN, Station

OFFICERS = ["Amara", "Bruno", "Chiara", "John", "Dominic"]

steps = st.one_of(
    st.tuples(st.just("open")),
    st.tuples(st.just("whole case")),
    st.tuples(
        st.just("interview"),
        st.sampled_from(OFFICERS),
        st.sampled_from(list(Assessment)),
        st.booleans(),
    ),
    st.tuples(st.just("screen"), st.sampled_from(list(ScreeningResult)), st.sampled_from([0, 30])),
    st.tuples(st.just("approve"), st.sampled_from(OFFICERS), st.sampled_from(list(Capacity))),
    st.tuples(st.just("revoke")),
    st.tuples(st.just("hold")),
    st.tuples(st.just("lift")),
    st.tuples(st.just("wait"), st.sampled_from([1, 24, 24 * 7 + 1, 24 * 9])),
    st.tuples(st.just("job")),
    st.tuples(st.just("checkup"), st.sampled_from(OFFICERS), st.booleans()),
)


def _case(station: Station) -> ConsentCase | None:
    query = select(ConsentCase).order_by(ConsentCase.number.desc()).limit(1)
    return station.session.scalar(query)


def _take(station: Station, step: tuple[object, ...]) -> None:
    lisa = station.persons["Lisa"].id
    case = _case(station)
    kind = step[0]
    if kind == "open":
        open_for(station)
    elif kind == "whole case":
        approved(station)
    elif kind == "screen":
        station.screen("Lisa", step[1], hours_ago=float(step[2]))  # type: ignore[arg-type]
    elif kind == "hold":
        place_hold(
            station.session, person_id=lisa, kind=HoldKind.PROVISIONAL, reason="r", actor=ADMIN
        )
    elif kind == "lift":
        for hold in open_holds(station.session, lisa):
            lift_hold(station.session, hold_id=hold.id, reason="r", actor=ADMIN)
    elif kind == "job":
        run_due_checkups(station.session, now=clock.now())
    elif kind == "revoke":
        revoke_consent(station.session, person_id=lisa, statement="I stay.", actor=ADMIN)
    elif case is not None and kind == "interview":
        present = [station.persons["Zane"].id] if step[3] else []
        record_interview(
            station.session,
            case_id=case.id,
            stated_wish="I wish to go.",
            assessment=step[2],
            present_ids=present,
            actor=station.actors[str(step[1])],  # type: ignore[arg-type]
        )
    elif case is not None and kind == "approve":
        approve_case(
            station.session,
            case_id=case.id,
            capacity=step[2],  # type: ignore[arg-type]
            actor=station.actors[str(step[1])],
        )
    elif case is not None and kind == "checkup":
        record_checkup(
            station.session,
            case_id=case.id,
            still_wishes_to_stay=bool(step[2]),
            statement="said so",
            actor=station.actors[str(step[1])],
        )


def _entitled(station: Station) -> bool:
    """An approved case, its check-up not yet due, and no hold."""
    lisa = station.persons["Lisa"].id
    if open_holds(station.session, lisa):
        return False
    for case in active_cases(station.session, lisa):
        checkup = pending_checkup(station.session, case.id)
        if case.status is CaseStatus.APPROVED and checkup and checkup.due_at > clock.now():
            return True
    return False


class TestNoPassageWithoutConsent:
    """Whatever happens, the airlock lets Lisa out only while her case entitles her."""

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(sequence=st.lists(steps, min_size=1, max_size=14))
    def test_exit_implies_an_approved_current_unrevoked_case(
        self, station: Station, sequence: list[tuple[object, ...]]
    ) -> None:
        outer = station.session.begin_nested()
        try:
            at = clock.now()
            for step in sequence:
                if step[0] == "wait":
                    at += timedelta(hours=int(step[1]))  # type: ignore[call-overload]
                    continue
                with clock.frozen_at(at):
                    try:
                        with station.session.begin_nested():
                            _take(station, step)
                    except DomainError:
                        pass
                    entitled = _entitled(station)
                    event(f"entitled: {entitled}")
                    assert station.may_exit("Lisa") == entitled, step
        finally:
            outer.rollback()
