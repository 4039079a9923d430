"""``muster welfare ...`` at the command line.

Steps taken in person (interviews, approvals, check-ups) name the officer's account with
``--as``: the local administrator records them on that officer's behalf, and the record
names the officer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from muster.auth.service import actor_for, get_account_by_username
from muster.cli.common import CLI_ACTOR, cli_session, console
from muster.people.service import find_party, find_person
from muster.policy.actor import Actor
from muster.welfare import cases, checkups, texts, transfer
from muster.welfare.enums import Assessment, Capacity
from muster.welfare.ical import checkup_calendar

welfare_app = typer.Typer(help="Consent cases, revocation and check-ups.", no_args_is_help=True)

AsOption = Annotated[str, typer.Option("--as", help="Username of the officer acting in person")]


def _officer(session: Session, username: str) -> Actor:
    return actor_for(get_account_by_username(session, username))


@welfare_app.command("text")
def publish_text(title: str, body_file: Path) -> None:
    """Publish the next version of the consent text from a file."""
    with cli_session() as session:
        row = texts.publish_consent_text(
            session, title=title, body=body_file.read_text(), actor=CLI_ACTOR
        )
        console.print(f"Consent text version {row.version} published ({row.sha256[:12]}).")


@welfare_app.command("open")
def open_case(person: str, vessel: str, statement: str = "") -> None:
    """Open a consent case. Example: muster welfare open Lisa "the visiting vessel" """
    with cli_session() as session:
        row = cases.open_case(
            session,
            person_id=find_person(session, person).id,
            vessel_party_id=find_party(session, vessel).id,
            statement=statement,
            actor=CLI_ACTOR,
        )
        console.print(f"Case W-{row.number} opened.")


@welfare_app.command("interview")
def interview(
    case: str,
    assessment: Assessment,
    wish: Annotated[str, typer.Option(help="The stated wish, in the person's own words")],
    officer: AsOption,
    present: Annotated[list[str] | None, typer.Option(help="Others present")] = None,
) -> None:
    """Record an interview held by the officer named with --as."""
    with cli_session() as session:
        present_ids = [find_person(session, p).id for p in present or []]
        cases.record_interview(
            session,
            case_id=case,
            stated_wish=wish,
            assessment=assessment,
            present_ids=present_ids,
            actor=_officer(session, officer),
        )
        row = cases.get_case(session, case)
        console.print(f"Case W-{row.number}: interview recorded; case {row.status.value}.")


@welfare_app.command("approve")
def approve(case: str, capacity: Capacity, officer: AsOption) -> None:
    """Approve a case as welfare officer or commander (the officer named with --as)."""
    with cli_session() as session:
        row = cases.approve_case(
            session, case_id=case, capacity=capacity, actor=_officer(session, officer)
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
            person_id=find_person(session, person).id,
            statement=statement,
            actor=CLI_ACTOR,
        )
        console.print(f"Consent revoked: {', '.join(f'W-{r.number}' for r in rows)}.")


@welfare_app.command("checkup")
def checkup(
    case: str,
    officer: AsOption,
    stays: Annotated[bool, typer.Option("--stays/--leaves", help="Still wishes to stay?")],
    statement: str = "",
) -> None:
    """Record a check-up held in person by the officer named with --as."""
    with cli_session() as session:
        cases_row = cases.get_case(session, case)
        checkups.record_checkup(
            session,
            case_id=cases_row.id,
            still_wishes_to_stay=stays,
            statement=statement,
            actor=_officer(session, officer),
        )
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
