"""``muster casualty``, ``muster hospital`` and ``muster screening`` at the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from muster.access.holds import confirm_medical_hold, lift_hold
from muster.cli.common import cli_actor, cli_session, console
from muster.medical import casualties, flows, hospital
from muster.medical.enums import BedState, Condition, ScreeningKind, ScreeningResult, Side, Triage
from muster.medical.schemas import AdmissionCreate, CasualtyCreate, ScreeningCreate
from muster.medical.screening import list_screenings
from muster.medical.views import bed_list
from muster.people.service import find_person

casualty_app = typer.Typer(help="Casualties and triage.", no_args_is_help=True)
hospital_app = typer.Typer(help="Hospital beds: admit, transfer, discharge.", no_args_is_help=True)
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


BedRef = Annotated[str, typer.Option(help="Bed: 'Ward/label' or its id")]


@hospital_app.command("beds")
def beds(
    ward: Annotated[str | None, typer.Option(help="Only this ward (name or id)")] = None,
    state: Annotated[BedState | None, typer.Option(help="Only beds in this state")] = None,
) -> None:
    """List beds and their state (patients only for medical staff).

    Example: muster hospital beds --ward Trauma --state available
    """
    with cli_session(write=False) as session:
        rows = bed_list(session, ward=ward, state=state, actor=cli_actor(session))
        for row in rows:
            patient = f"  {row['patient']} ({row['condition']})" if row.get("patient") else ""
            console.print(f"{row['ward']}/{row['label']:<6} {row['state']:<10}{patient}")
        console.print(f"{len(rows)} bed(s).")


@hospital_app.command("admit")
def admit(
    person: Annotated[str, typer.Argument(help="Person name, badge or id")],
    bed: BedRef,
    condition: Annotated[Condition, typer.Option(help="Condition on admission")] = Condition.FAIR,
    reason: Annotated[str, typer.Option(help="Why admitted")] = "",
) -> None:
    """Admit a person to a bed (their casualty record, if any, goes with them).

    Example: muster hospital admit Aisha --bed Trauma/T01 --condition critical
    """
    with cli_session() as session:
        actor = cli_actor(session)
        who = find_person(session, person)
        data = AdmissionCreate(
            person_id=who.id,
            bed_id=hospital.find_bed(session, bed).id,
            condition=condition,
            reason=reason,
        )
        hospital.admit(session, data=data, actor=actor)
        console.print(f"{who.name} admitted to {bed}.")


@hospital_app.command("transfer")
def transfer(
    person: Annotated[str, typer.Argument(help="Person name, badge or id")],
    bed: BedRef,
    condition: Annotated[Condition | None, typer.Option(help="New condition")] = None,
) -> None:
    """Move a patient to another bed; the bed left goes to cleaning.

    Example: muster hospital transfer Aisha --bed General/G02
    """
    with cli_session() as session:
        actor = cli_actor(session)
        who = find_person(session, person)
        admission = hospital.current_admission(session, person_id=who.id)
        target = hospital.find_bed(session, bed)
        hospital.transfer(
            session, admission_id=admission.id, bed_id=target.id, condition=condition, actor=actor
        )
        console.print(f"{who.name} transferred to {bed}.")


@hospital_app.command("discharge")
def discharge(
    person: Annotated[str, typer.Argument(help="Person name, badge or id")],
    disposition: Annotated[str, typer.Option(help="Where to: quarters, home, deceased ...")],
) -> None:
    """Discharge a patient; their bed goes to cleaning.

    Example: muster hospital discharge Aisha --disposition "to quarters"
    """
    with cli_session() as session:
        actor = cli_actor(session)
        who = find_person(session, person)
        admission = hospital.current_admission(session, person_id=who.id)
        hospital.discharge(session, admission_id=admission.id, disposition=disposition, actor=actor)
        console.print(f"{who.name} discharged: {disposition}.")
