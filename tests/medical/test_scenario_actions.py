"""The exercise vocabulary: the West airlock casualties counted into a published report."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from medical.conftest import findings
from muster import clock
from muster.incidents.scenario_actions import (
    DeclareArgs,
    FigureArgs,
    PublishArgs,
    declare,
    figure,
    publish,
)
from muster.medical.scenario_actions import (
    AdmitArgs,
    CasualtyArgs,
    CasualtyCountArgs,
    ScreenArgs,
    WardArgs,
    admit_persons,
    count_casualties,
    open_ward,
    record_casualties,
    screen,
)
from muster.people.enums import Affiliation
from muster.people.models import Person
from muster.policy.actor import Actor
from muster.scenario.actions import ActionContext
from muster.scenario.checks import CheckContext

MakePerson = Callable[..., Person]


class TestWestAirlockReplay:
    """Casualties recorded through the actions appear in the published report's figures."""

    def test_figures_from_records(
        self, session: Session, actor: Actor, make_person: MakePerson
    ) -> None:
        """Two station dead and three visiting dead are counted, and the check reads them."""
        make_person("John", Affiliation.CREW)
        station = [make_person(f"Guard {n}", Affiliation.CREW).name for n in range(6)]
        visitors = [make_person(f"Warrior {n}", Affiliation.VISITOR).name for n in range(7)]
        ctx = ActionContext(session=session, actor=actor, at=clock.now())
        declare(ctx, DeclareArgs(title="West airlock", commander="John", location="West airlock"))
        record_casualties(
            ctx,
            CasualtyArgs(
                persons=station[:2],
                findings=findings("deceased"),
                found_at="W",
                incident="West airlock",
            ),
        )
        record_casualties(
            ctx,
            CasualtyArgs(
                persons=station[2:],
                findings=findings("immediate"),
                found_at="W",
                incident="West airlock",
            ),
        )
        record_casualties(
            ctx,
            CasualtyArgs(
                persons=visitors[:3],
                findings=findings("deceased"),
                found_at="W",
                incident="West airlock",
            ),
        )
        record_casualties(
            ctx,
            CasualtyArgs(
                persons=visitors[3:4],
                findings=findings("immediate"),
                found_at="W",
                incident="West airlock",
            ),
        )
        record_casualties(
            ctx,
            CasualtyArgs(
                persons=visitors[4:],
                findings=findings("delayed"),
                found_at="W",
                incident="West airlock",
            ),
        )
        open_ward(ctx, WardArgs(name="Trauma", beds=[f"T{n}" for n in range(10)]))
        admit_persons(ctx, AdmitArgs(persons=station[2:], ward="Trauma", condition="critical"))
        screen(ctx, ScreenArgs(persons=station[2:3], result="positive"))
        publish(
            ctx, PublishArgs(incident="West airlock", situation="Violence at the West airlock.")
        )
        check = CheckContext(session=session)
        assert figure(
            check,
            FigureArgs(
                incident="West airlock", equals=2, figure="casualties.by_side.station.deceased"
            ),
        ).held
        assert (
            figure(
                check,
                FigureArgs(
                    incident="West airlock", equals=4, figure="casualties.by_side.visiting.deceased"
                ),
            ).held
            is False
        )
        assert figure(
            check,
            FigureArgs(incident="West airlock", equals=7, figure="casualties.by_side.visiting"),
        ).held
        assert figure(
            check, FigureArgs(incident="West airlock", equals=1, figure="holds.medical")
        ).held
        assert count_casualties(check, CasualtyCountArgs(side="station", equals=6)).held
