"""The policy at the command line: ``muster policy show|edit|save|activate|history|test|whatif``.

Typer app: ``policy_app`` (muster policy).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import typer
from rich.table import Table

from muster.access import policy_store
from muster.access.policy_tests import load_cases, run_cases
from muster.access.proofs_cli import prove_command
from muster.access.whatif import whatif
from muster.cli.common import cli_actor, cli_session, console, fail
from muster.errors import DomainError

policy_app = typer.Typer(help="The airlock and operator policy (Cedar).", no_args_is_help=True)


@policy_app.command("show")
def show(version: str = typer.Argument("active", help='"active", "shipped", id or number')) -> None:
    """Print a policy version's Cedar text."""
    with cli_session(write=False) as session:
        version_id, text = policy_store.policy_text_of(session, version)
        console.print(f"// version {version_id}", markup=False, highlight=False)
        console.print(text, markup=False, highlight=False)


def _save(text: str, comment: str, activate: bool) -> None:
    with cli_session() as session:
        row = policy_store.save_version(
            session, policy_text=text, comment=comment, actor=cli_actor(session)
        )
        console.print(f"Saved as version {row.number} ({row.id}).")
        if activate:
            policy_store.activate_version(session, ref=row.id, actor=cli_actor(session))
            console.print(f"Version {row.number} is now active.")


@policy_app.command("save")
def save(
    file: Path,
    comment: str = typer.Option(..., help="What this version changes and why"),
    activate: bool = typer.Option(False, help="Activate it at once"),
) -> None:
    """Save a policy file as a new version (validated against the schema)."""
    _save(file.read_text(), comment, activate)


@policy_app.command("edit")
def edit(
    comment: str = typer.Option(..., help="What this version changes and why"),
    activate: bool = typer.Option(False, help="Activate it at once"),
) -> None:
    """Edit the active policy in $EDITOR and save the result as a new version."""
    with cli_session(write=False) as session:
        _, text = policy_store.policy_text_of(session, "active")
    with tempfile.NamedTemporaryFile("w", suffix=".cedar", delete=False) as handle:
        handle.write(text)
        path = Path(handle.name)
    try:
        subprocess.run([os.environ.get("EDITOR", "vi"), str(path)], check=True)
        edited = path.read_text()
    finally:
        path.unlink(missing_ok=True)
    if edited == text:
        console.print("No change.")
        return
    _save(edited, comment, activate)


@policy_app.command("activate")
def activate(
    version: str = typer.Argument(..., help="Version id or number"),
    override: str | None = typer.Option(
        None,
        help="Activate despite failed safety proofs: the commander's written reason. Only "
        "the commander's own account may (MUSTER_USER=<commander> muster policy activate "
        "...); every officer is alerted",
    ),
) -> None:
    """Put a stored version in force (validated and proved first; see muster policy prove).

    Acts as the signed-in account (MUSTER_USER, else the local administrator).

    Example: MUSTER_USER=john muster policy activate 4 --override "evacuation drill"
    """
    with cli_session() as session:
        row = policy_store.activate_version(
            session, ref=version, actor=cli_actor(session), override_reason=override
        )
        console.print(f"Version {row.number} is now active.")


policy_app.command("prove")(prove_command)


@policy_app.command("history")
def history(limit: int = 20) -> None:
    """Stored versions, newest first."""
    with cli_session(write=False) as session:
        active = policy_store.active_version_id(session)
        rows, total = policy_store.list_versions(session, limit=limit)
        table = Table("No.", "Author", "Saved", "Activated", "Comment")
        for r in rows:
            mark = " (active)" if r.id == active else ""
            activated = f"{r.activated_at:%Y-%m-%d %H:%M}" if r.activated_at else ""
            table.add_row(
                f"{r.number}{mark}",
                r.author,
                f"{r.created_at:%Y-%m-%d %H:%M}",
                activated,
                r.comment,
            )
        console.print(table)
        console.print(f"{total} version(s); active: {active}")


@policy_app.command("test")
def run_tests(
    path: Path = typer.Argument(..., help="A case file or a directory of *.yaml case files"),
    version: str = typer.Option("active", help='"active", "shipped", id or number'),
    policy_file: Path | None = typer.Option(None, "--policy", help="Test a draft file instead"),
) -> None:
    """Run policy test cases; exit 1 if any fails (like opa test)."""
    try:
        cases = load_cases(path)
    except DomainError as exc:
        fail(exc.message)
    with cli_session(write=False) as session:
        if policy_file is not None:
            engine = policy_store.build_engine(policy_file.read_text(), version=str(policy_file))
        else:
            version_id, _ = policy_store.policy_text_of(session, version)
            engine = policy_store.engine_for_version(session, version_id)
    results = run_cases(engine, cases)
    failed = [r for r in results if not r.passed]
    for r in failed:
        console.print(f"[red]FAIL[/] {r.source}: {r.name}: {r.message}", highlight=False)
    console.print(f"PASS: {len(results) - len(failed)}/{len(results)} (policy {engine.version})")
    if failed:
        console.print(f"FAIL: {len(failed)}/{len(results)}")
        raise typer.Exit(1)


@policy_app.command("whatif")
def whatif_cmd(
    draft: Path = typer.Argument(..., help="Draft policy file"),
    recent: int = typer.Option(1000, help="How many recent decisions to replay"),
    population_limit: int = typer.Option(100_000, help="At most this many persons"),
) -> None:
    """Who the draft would decide differently: everyone at every airlock, the recent log."""
    with cli_session(write=False) as session:
        draft_engine = policy_store.build_engine(draft.read_text(), version=str(draft))
        current = policy_store.sync_active_engine(session)
        result = whatif(
            session,
            current=current,
            draft=draft_engine,
            population_limit=population_limit,
            recent=recent,
        )
    table = Table("Source", "Person", "Portal", "Direction", "Now", "Draft", "Draft rules")
    for c in result.changes:
        table.add_row(
            c.source,
            c.person,
            c.portal,
            c.direction,
            "allow" if c.before else "deny",
            "allow" if c.after else "deny",
            ", ".join(c.rules_after),
        )
    console.print(table)
    console.print(
        f"{len(result.changes)} change(s); checked {result.checked_population} "
        f"population requests and {result.checked_log} logged decisions."
    )
