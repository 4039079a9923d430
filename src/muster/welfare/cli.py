"""``muster welfare ...`` at the command line.

Steps taken in person (interviews, approvals, check-ups) are the signed-in officer's: set
``MUSTER_USER`` to your username (password from ``MUSTER_PASSWORD`` or a prompt); the
record names your account. ``--as NAME`` records a step in another officer's name and
exists only for exercises (MUSTER_MODE dev or demo, or a database made for an exercise);
every event it writes is marked ``exercise: true`` with who entered it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from muster.cli.common import acting_in_person, cli_actor, cli_session, console
from muster.welfare import cases, checkups, texts, transfer
from muster.welfare.enums import Assessment, Capacity
from muster.welfare.ical import checkup_calendar

welfare_app = typer.Typer(help="Consent cases, revocation and check-ups.", no_args_is_help=True)

AsOption = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="Exercises only: the username of the officer the step is recorded for "
        "(otherwise the signed-in account, MUSTER_USER)",
    ),
]


@welfare_app.command("text")
def publish_text(title: str, body_file: Path) -> None:
    """Publish the next version of the consent text from a file."""
    with cli_session() as session:
        row = texts.publish_consent_text(
            session, title=title, body=body_file.read_text(), actor=cli_actor(session)
        )
        console.print(f"Consent text version {row.version} published ({row.sha256[:12]}).")


@welfare_app.command("open")
def open_case(person: str, vessel: str, statement: str = "") -> None:
    """Open a consent case. Example: muster welfare open Lisa "the visiting vessel" """
    with cli_session() as session:
        row = cases.open_case(
            session,
            person_id=person,
            vessel_party_id=vessel,
            statement=statement,
            actor=cli_actor(session),
        )
        console.print(f"Case W-{row.number} opened.")


@welfare_app.command("interview")
def interview(
    case: str,
    assessment: Assessment,
    wish: Annotated[str, typer.Option(help="The stated wish, in the person's own words")],
    present: Annotated[list[str] | None, typer.Option(help="Others present")] = None,
    officer: AsOption = None,
) -> None:
    """Record your interview (MUSTER_USER=<you>): the stated wish and your assessment.

    Example: MUSTER_USER=amara muster welfare interview W-1 free_choice --wish "I want to go"
    """
    with cli_session() as session:
        cases.record_interview(
            session,
            case_id=case,
            stated_wish=wish,
            assessment=assessment,
            present_ids=present or [],
            actor=acting_in_person(session, officer),
        )
        row = cases.get_case(session, case)
        console.print(f"Case W-{row.number}: interview recorded; case {row.status.value}.")


@welfare_app.command("approve")
def approve(case: str, capacity: Capacity, officer: AsOption = None) -> None:
    """Approve a case as welfare officer or commander, signed in as yourself (MUSTER_USER).

    Example: MUSTER_USER=john muster welfare approve W-1 commander
    """
    with cli_session() as session:
        row = cases.approve_case(
            session, case_id=case, capacity=capacity, actor=acting_in_person(session, officer)
        )
        console.print(f"Case W-{row.number} {row.status.value}.")


@welfare_app.command("revoke")
def revoke(
    person: str,
    statement: Annotated[str, typer.Option(help="What the person said")],
) -> None:
    """The person withdraws consent: every active case of theirs ends now."""
    with cli_session() as session:
        rows = transfer.revoke_consent(
            session,
            person_id=person,  # looked up by the use case once it has authorized
            statement=statement,
            actor=cli_actor(session),
        )
        console.print(f"Consent revoked: {', '.join(f'W-{r.number}' for r in rows)}.")


@welfare_app.command("checkup")
def checkup(
    case: str,
    stays: Annotated[bool, typer.Option("--stays/--leaves", help="Still wishes to stay?")],
    statement: str = "",
    officer: AsOption = None,
) -> None:
    """Record your check-up held in person (MUSTER_USER=<you>).

    Example: MUSTER_USER=amara muster welfare checkup W-1 --stays
    """
    with cli_session() as session:
        held = checkups.record_checkup(
            session,
            case_id=case,  # looked up by the use case once it has authorized
            still_wishes_to_stay=stays,
            statement=statement,
            actor=acting_in_person(session, officer),
        )
        cases_row = cases.get_case(session, held.case_id)
        console.print(f"Check-up recorded; case W-{cases_row.number} {cases_row.status.value}.")


@welfare_app.command("list")
def list_cases() -> None:
    """Consent cases, newest first."""
    with cli_session(write=False) as session:
        rows, total = cases.list_cases(session, limit=500)
        for row in rows:
            name = cases.person_name(session, row.person_id)
            console.print(f"W-{row.number}  {row.status.value:<9}  {name}  {row.status_reason}")
        console.print(f"{total} case(s).")


@welfare_app.command("due")
def due() -> None:
    """Check-ups due, overdue and missed, soonest first."""
    with cli_session(write=False) as session:
        rows, total = checkups.list_checkups(session, limit=500)
        for row in rows:
            name = cases.person_name(session, row.person_id)
            console.print(f"{row.due_at:%Y-%m-%d %H:%M}Z  {row.status.value:<8}  {name}")
        console.print(f"{total} check-up(s) pending.")


@welfare_app.command("calendar")
def calendar(output: Path) -> None:
    """Write the check-up schedule as an iCalendar file."""
    with cli_session(write=False) as session:
        output.write_text(checkup_calendar(session), newline="")
        console.print(f"Check-up calendar written to {output}.")
