"""The exercise's post actions and checks: reports as the inject's actor, board and timeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from comms.station import Station, build_station
from muster import clock
from muster.errors import Forbidden
from muster.incidents.enums import Severity
from muster.incidents.schemas import IncidentCreate
from muster.incidents.service import declare_incident
from muster.policy.actor import Actor
from muster.posts import scenario_actions as sa
from muster.scenario.actions import ActionContext
from muster.scenario.checks import CheckContext

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TITLE = "Visiting party at the airlocks"


def person_actor(station: Station, name: str, role: str) -> Actor:
    """An account actor for ``name`` of the station."""
    return Actor(
        kind="account",
        id=f"acct-{name.lower()}",
        name=name,
        roles=frozenset({role}),
        person_id=station.persons[name],
    )


@pytest.fixture
def station(session: Session) -> Station:
    """The comms station with an incident declared at T0."""
    built = build_station(session)
    with clock.frozen_at(T0):
        declare_incident(
            session,
            data=IncidentCreate(
                title=TITLE,
                kind="security",
                severity=Severity.CRITICAL,
                location="South and West airlocks",
                commander_id=built.persons["John"],
            ),
            actor=person_actor(built, "John", "commander"),
        )
    return built


class TestPostActions:
    """Injects report as their actor; the checks read the board and the timeline."""

    def test_reports_then_checks(self, session: Session, station: Station) -> None:
        """Wes reports force used at West; the board and the timeline checks hold."""
        at = T0 + timedelta(minutes=3)
        wes = ActionContext(session, person_actor(station, "Wes", "guard"), at, {"w": ["Bahati"]})
        with clock.frozen_at(at):
            line = sa.report_post(
                wes,
                sa.ReportArgs(
                    post="West airlock post",
                    status="force_used",
                    station_dead=2,
                    force=[sa.ForceArgs(used_by="Wes", against_group="w", outcome="Fell back.")],
                ),
            )
        assert line == "West airlock post: Force used, 1 uses of force"
        check = CheckContext(session)
        board = sa.BoardArgs(post="West airlock post", status="force_used")
        assert sa.board_status(check, board).held
        assert not sa.board_status(
            check, sa.BoardArgs(post="West airlock post", status="quiet")
        ).held
        force = sa.TimelineArgs(incident=TITLE, kind="posts.force.used", text="Bahati", equals=1)
        assert sa.timeline_entries(check, force).held

    def test_timeline_counts_only_what_came_before_a_mark(
        self, session: Session, station: Station
    ) -> None:
        """``before_kind``: a report filed before the first report of another post counts;
        one filed after it does not; a mark that never happened fails the check."""
        for minutes, name, post, status in [
            (3, "Wes", "West airlock post", "casualties"),
            (4, "Gail", "South airlock post", "standoff"),
            (5, "Wes", "West airlock post", "under_control"),
        ]:
            at = T0 + timedelta(minutes=minutes)
            ctx = ActionContext(session, person_actor(station, name, "guard"), at)
            with clock.frozen_at(at):
                sa.report_post(ctx, sa.ReportArgs(post=post, status=status))
        check = CheckContext(session)

        def west_before_south(status: str, mark: str = "South airlock post") -> bool:
            args = sa.TimelineArgs(
                incident=TITLE,
                kind="posts.report.filed",
                text=f"West airlock post: {status}",
                before_kind="posts.report.filed",
                before_text=mark,
                equals=1,
            )
            return sa.timeline_entries(check, args).held

        assert west_before_south("Casualties")
        assert not west_before_south("Under control")
        assert not west_before_south("Casualties", mark="North airlock post")

    def test_guard_inject_for_another_post_is_refused(
        self, session: Session, station: Station
    ) -> None:
        """An inject acting as Gail may not report for the West post."""
        gail = ActionContext(session, person_actor(station, "Gail", "guard"), T0)
        with clock.frozen_at(T0), pytest.raises(Forbidden):
            sa.report_post(gail, sa.ReportArgs(post="West airlock post", status="quiet"))

    def test_quiet_action_asks_the_silent_posts(self, session: Session, station: Station) -> None:
        """Six minutes into the incident, the quiet action asks every staffed post."""
        at = T0 + timedelta(minutes=6)
        system = ActionContext(session, Actor.system("exercise"), at)
        with clock.frozen_at(at):
            assert (
                sa.ask_quiet_posts(system, sa.NoArgs()) == "3 quiet posts asked for a status check"
            )
