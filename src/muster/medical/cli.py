"""``muster casualty``, ``muster hospital`` and ``muster screening`` at the command line."""

from __future__ import annotations

from typing import Annotated, TypeVar

import typer
from pydantic import BaseModel, ValidationError

from muster.access.holds import confirm_medical_hold, lift_hold
from muster.cli.common import cli_actor, cli_session, console, fail
from muster.medical import casualties, flows, hospital
from muster.medical.enums import BedState, Condition, ScreeningKind, ScreeningResult, Side, Triage
from muster.medical.schemas import AdmissionCreate, CasualtyCreate, ScreeningCreate, TriageChange
from muster.medical.screening import list_screenings
from muster.medical.views import bed_list
from muster.people.service import find_person

casualty_app = typer.Typer(help="Casualties and triage.", no_args_is_help=True)
hospital_app = typer.Typer(help="Hospital beds: admit, transfer, discharge.", no_args_is_help=True)
screening_app = typer.Typer(help="Screenings and the holds they place.", no_args_is_help=True)


M = TypeVar("M", bound=BaseModel)
Walks = Annotated[bool | None, typer.Option("--walks/--cannot-walk", help="Able to walk")]
Breathing = Annotated[
    bool | None, typer.Option("--breathing/--not-breathing", help="Breathing on its own")
]
Airway = Annotated[
    bool | None,
    typer.Option("--breathes-after-airway/--no-breath-after-airway", help="After repositioning"),
]
Rescue = Annotated[
    bool | None,
    typer.Option(
        "--breathes-after-rescue/--no-breath-after-rescue", help="Child: after 5 rescue breaths"
    ),
]
Rate = Annotated[int | None, typer.Option("--rate", help="Respiratory rate per minute")]
Pulse = Annotated[
    bool | None, typer.Option("--radial-pulse/--no-radial-pulse", help="Radial (child: any) pulse")
]
Refill = Annotated[float | None, typer.Option("--refill", help="Capillary refill, seconds")]
Obeys = Annotated[
    bool | None, typer.Option("--obeys/--does-not-obey", help="Obeys simple commands")
]
Avpu = Annotated[str | None, typer.Option(help="Child: alert, voice, pain_appropriate, ...")]
Category = Annotated[
    Triage | None, typer.Option(help="A medic's category over the findings (needs --reason)")
]
Reason = Annotated[str, typer.Option(help="Why the category differs from the findings")]


def _findings(
    walks: bool | None,
    breathing: bool | None,
    after_airway: bool | None,
    after_rescue: bool | None,
    rate: int | None,
    pulse: bool | None,
    refill: float | None,
    obeys: bool | None,
    avpu: str | None,
) -> dict[str, object] | None:
    """The findings given at the command line, or None when none were."""
    given = {
        "walks": walks,
        "breathing": breathing,
        "breathing_after_airway": after_airway,
        "breathing_after_rescue_breaths": after_rescue,
        "respiratory_rate": rate,
        "radial_pulse": pulse,
        "capillary_refill_seconds": refill,
        "obeys_commands": obeys,
        "avpu": avpu,
    }
    found: dict[str, object] = {k: v for k, v in given.items() if v is not None}
    return found or None


def _model(kind: type[M], **values: object) -> M:
    """Build an input model; a value it refuses ends the command with what to fix."""
    try:
        return kind.model_validate(values)
    except ValidationError as exc:
        fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))


@casualty_app.command("record")
def record(
    found_at: Annotated[str, typer.Option(help="Where found")],
    person: Annotated[str | None, typer.Option(help="Person name, badge or id")] = None,
    description: Annotated[str, typer.Option(help="Description if unidentified")] = "",
    age: Annotated[int | None, typer.Option(help="Age in years if unidentified")] = None,
    side: Annotated[Side | None, typer.Option(help="Side if unidentified")] = None,
    injuries: Annotated[str, typer.Option(help="Injuries")] = "",
    incident: Annotated[
        str | None, typer.Option(help="Incident number (default: the open one)")
    ] = None,
    walks: Walks = None,
    breathing: Breathing = None,
    after_airway: Airway = None,
    after_rescue: Rescue = None,
    rate: Rate = None,
    pulse: Pulse = None,
    refill: Refill = None,
    obeys: Obeys = None,
    avpu: Avpu = None,
    category: Category = None,
    reason: Reason = "",
) -> None:
    """Record a casualty; START (JumpSTART for a child) gives the category from the findings.

    Example: muster casualty record --found-at "West airlock" --person Ken --cannot-walk
    --breathing --rate 34
    """
    with cli_session() as session:
        actor = cli_actor(session)
        findings = _findings(
            walks, breathing, after_airway, after_rescue, rate, pulse, refill, obeys, avpu
        )
        data = _model(
            CasualtyCreate,
            person_id=person,
            description=description,
            age_years=age,
            side=side,
            findings=findings,
            triage=category,
            reason=reason,
            found_at=found_at,
            injuries=injuries,
            incident_id=incident,
        )
        row = casualties.record_casualty(session, data=data, actor=actor)
        why = casualties.triage_history(session, casualty_id=row.id)[-1]
        console.print(
            f"Casualty C-{row.number} recorded ({row.side.value}, {row.triage.value}): "
            f"{why.explanation or why.override_reason}.",
            markup=False,
        )


@casualty_app.command("triage")
def triage(
    ref: Annotated[str, typer.Argument(help="Casualty tag (C-7) or id")],
    walks: Walks = None,
    breathing: Breathing = None,
    after_airway: Airway = None,
    after_rescue: Rescue = None,
    rate: Rate = None,
    pulse: Pulse = None,
    refill: Refill = None,
    obeys: Obeys = None,
    avpu: Avpu = None,
    category: Category = None,
    reason: Reason = "",
    note: str = "",
) -> None:
    """Triage a casualty again from new findings (or a medic's category with --reason).

    Example: muster casualty triage C-7 --cannot-walk --breathing --rate 24 --radial-pulse
    --obeys
    """
    with cli_session() as session:
        actor = cli_actor(session)
        findings = _findings(
            walks, breathing, after_airway, after_rescue, rate, pulse, refill, obeys, avpu
        )
        data = _model(TriageChange, findings=findings, triage=category, reason=reason, note=note)
        row = casualties.retriage(session, casualty_id=ref, data=data, actor=actor)
        console.print(f"Casualty C-{row.number} now {row.triage.value}.")


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
        data = ScreeningCreate(person_id=person, kind=kind, result=result, method=method)
        _row, holds = flows.screen_person(session, data=data, actor=cli_actor(session))
        extra = f"; medical hold placed ({len(holds)})" if holds else ""
        console.print(f"Screening of {person} recorded: {result.value}{extra}.")


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
        data = AdmissionCreate(person_id=person, bed_id=bed, condition=condition, reason=reason)
        hospital.admit(session, data=data, actor=actor)
        console.print(f"{person} admitted to {bed}.")


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
        admission = hospital.current_admission(session, person_id=person, actor=actor)
        hospital.transfer(
            session, admission_id=admission.id, bed_id=bed, condition=condition, actor=actor
        )
        console.print(f"{person} transferred to {bed}.")


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
        admission = hospital.current_admission(session, person_id=person, actor=actor)
        hospital.discharge(session, admission_id=admission.id, disposition=disposition, actor=actor)
        console.print(f"{person} discharged: {disposition}.")
