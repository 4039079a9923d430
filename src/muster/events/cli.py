"""``muster audit ...``: check the record."""

from __future__ import annotations

import typer

from muster.cli.common import cli_session, console, fail
from muster.events.service import verify_chain

audit_app = typer.Typer(help="Check the tamper-evident record.", no_args_is_help=True)


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the whole hash chain; name the first event that does not verify.

    Example: MUSTER_DATABASE_URL=sqlite:///muster.db muster audit verify
    """
    with cli_session(write=False) as session:
        report = verify_chain(session)
    if report.ok:
        console.print(f"[green]Chain verified:[/] {report.checked} events, none altered.")
        return
    fail(
        f"chain broken at event {report.first_bad_seq}: {report.problem} "
        f"({report.checked} events before it verified)"
    )
