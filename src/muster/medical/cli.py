"""``muster casualty ...`` and ``muster screening ...`` at the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from muster.access.holds import confirm_medical_hold, lift_hold
from muster.cli.common import cli_actor, cli_session, console
from muster.medical import casualties, flows
from muster.medical.enums import ScreeningKind, ScreeningResult, Side, Triage
from muster.medical.schemas import CasualtyCreate, ScreeningCreate
from muster.medical.screening import list_screenings
from muster.people.service import find_person

casualty_app = typer.Typer(help="Casualties and triage.", no_args_is_help=True)
screening_app = typer.Typer(help="Screenings and the holds they place.", no_args_is_help=True)


@casualty_app.command("record")
def record(
    triage: Annotated[Triage, typer.Argument(help="START category")],
    found_at: Annotated[str, typer.Option(help="Where found")],
    person: Annotated[str | None, typer.Option(help="Person name, badge or id")] = None,
    description: Annotated[str, typer.Option(help="Description if unidentified")] = "",
    side: Annotated[Side | None, typer.Option(help="Side if unidentified")] = None,
    injuries: Annotated[str, typer.Option(help="Injuries")] = "",
) -> None:
    """Record a casualty.

    Example: muster casualty record immediate --found-at "West airlock" --person Ken
    """
    with cli_session() as session:
        person_id = find_person(session, person).id if person else None
        data = CasualtyCreate(
            person_id=person_id,
            description=description,
            side=side,
            triage=triage,
            found_at=found_at,
            injuries=injuries,
        )
        row = casualties.record_casualty(session, data=data, actor=cli_actor(session))
        console.print(f"Casualty C-{row.number} recorded ({row.side.value}, {row.triage.value}).")


@casualty_app.command("triage")
def triage(
    ref: Annotated[str, typer.Argument(help="Casualty tag (C-7) or id")],
    category: Triage,
    note: str = "",
) -> None:
    """Re-triage a casualty."""
    with cli_session() as session:
        row = casualties.find_casualty(session, ref)
        casualties.retriage(
            session, casualty_id=row.id, category=category, note=note, actor=cli_actor(session)
        )
        console.print(f"Casualty C-{row.number} now {category.value}.")


@casualty_app.command("counts")
def counts() -> None:
    """Casualties by side and category."""
    with cli_session(write=False) as session:
        result = casualties.casualty_counts(session)
        for side, row in result.by_side.items():
            cells = ", ".join(f"{n} {c}" for c, n in row.items())
            console.print(f"{side:<9} {sum(row.values()):>3}  ({cells})")
        console.print(f"total     {result.total:>3}")


@screening_app.command("record")
def record_screening(
    person: Annotated[str, typer.Argument(help="Person name, badge or id")],
    result: ScreeningResult,
    kind: Annotated[ScreeningKind, typer.Option(help="What the screening looks for")] = (
        ScreeningKind.NANITE
    ),
    method: Annotated[str, typer.Option(help="How it was done")] = "blood panel",
) -> None:
    """Record a screening; a positive or inconclusive result holds the person at once.

    Example: muster screening record "Resident 004" positive --method "blood panel"
    """
    with cli_session() as session:
        who = find_person(session, person)
        data = ScreeningCreate(person_id=who.id, kind=kind, result=result, method=method)
        _row, holds = flows.screen_person(session, data=data, actor=cli_actor(session))
        extra = f"; medical hold placed ({len(holds)})" if holds else ""
        console.print(f"Screening of {who.name} recorded: {result.value}{extra}.")


@screening_app.command("list")
def list_all(person: Annotated[str | None, typer.Option(help="Only this person")] = None) -> None:
    """List screenings, newest first."""
    with cli_session(write=False) as session:
        person_id = find_person(session, person).id if person else None
        rows, total = list_screenings(session, person_id=person_id, limit=200)
        for s in rows:
            when = f"{s.performed_at:%Y-%m-%d %H:%M}"
            console.print(f"{when}  {s.kind.value:<12} {s.result.value:<12} {s.person_id}")
        console.print(f"{total} screening(s).")


@screening_app.command("lift")
def lift(hold_id: str, reason: str) -> None:
    """Lift a hold for medical reasons (needs a clear screening taken after it was placed)."""
    with cli_session() as session:
        lift_hold(session, hold_id=hold_id, reason=reason, actor=cli_actor(session))
        console.print("Hold lifted.")


@screening_app.command("confirm")
def confirm(hold_id: str, reason: str) -> None:
    """Confirm a provisional hold as medical."""
    with cli_session() as session:
        confirm_medical_hold(session, hold_id=hold_id, reason=reason, actor=cli_actor(session))
        console.print("Hold confirmed as medical.")
