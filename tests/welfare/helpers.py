"""Steps of a consent case, as the tests take them."""

from __future__ import annotations

from muster.welfare.cases import approve_case, open_case, record_interview
from muster.welfare.enums import Assessment, Capacity
from muster.welfare.models import ConsentCase
from welfare.station import ADMIN, Station


def open_for(station: Station, name: str = "Lisa") -> ConsentCase:
    """Open a case for a person to go to the station's vessel."""
    return open_case(
        station.session,
        person_id=station.persons[name].id,
        vessel_party_id=station.vessel.id,
        statement="I wish to live aboard the vessel.",
        actor=ADMIN,
    )


def interview(
    station: Station,
    case: ConsentCase,
    officer: str,
    assessment: Assessment = Assessment.FREE_CHOICE,
    present: tuple[str, ...] = (),
) -> None:
    """An interview by ``officer`` with the given assessment."""
    record_interview(
        station.session,
        case_id=case.id,
        stated_wish="I want to go; my partner lives aboard.",
        assessment=assessment,
        present_ids=[station.persons[p].id for p in present],
        actor=station.actors[officer],
    )


def approved(station: Station, name: str = "Lisa") -> ConsentCase:
    """A case taken through every step to an authorized transfer."""
    case = open_for(station, name)
    interview(station, case, "Amara")
    interview(station, case, "Bruno")
    station.screen(name)
    approve_case(
        station.session, case_id=case.id, capacity=Capacity.WELFARE, actor=station.actors["Chiara"]
    )
    approve_case(
        station.session, case_id=case.id, capacity=Capacity.COMMANDER, actor=station.actors["John"]
    )
    return case
