"""``muster scenario ...`` (exercises from a file) and ``muster demo`` (the reference crisis)."""

from __future__ import annotations

import json
import secrets
import tempfile
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.table import Table

from muster.cli.common import console, err_console, open_database
from muster.config import Mode, Settings
from muster.db import Database
from muster.errors import DomainError
from muster.scenario.loader import Plan, ScenarioError, load_scenario
from muster.scenario.runner import (
    RunReport,
    RunStopped,
    fresh_sqlite,
    prepare,
    run_plan,
    throwaway_database,
)

scenario_app = typer.Typer(
    help="Exercises: build a station and replay a crisis from a scenario file, then check "
    "the outcome. Crews use them for drills; see scenarios/crisis.yaml.",
    no_args_is_help=True,
)

_HERE = Path(__file__).resolve().parent
# The repository's scenarios/crisis.yaml is the file; data/crisis.yaml links to it so that
# an installed package carries a copy. The repository's copy wins in a checkout.
CRISIS_CANDIDATES = (_HERE.parents[2] / "scenarios" / "crisis.yaml", _HERE / "data" / "crisis.yaml")
DEMO_DATABASE = Path(".demo") / "muster-demo.db"
EXIT_REFUSED = 2  # the file was refused before anything ran


def crisis_path() -> Path:
    """Where the reference crisis scenario is, in a checkout or an installed package."""
    for candidate in CRISIS_CANDIDATES:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("the reference crisis scenario (crisis.yaml) is missing")


def _load(file: Path, *, as_json: bool) -> Plan:
    try:
        return load_scenario(file)
    except ScenarioError as exc:
        _refuse(str(exc), as_json=as_json, code=EXIT_REFUSED)


def _refuse(message: str, *, as_json: bool, code: int = 1) -> NoReturn:
    if as_json:
        print(json.dumps({"passed": False, "error": message, "expectations": []}))
    else:
        err_console.print(f"[bold red]Error:[/] {message}", markup=True, highlight=False)
    raise typer.Exit(code)


def _run(
    db: Database, plan: Plan, *, as_json: bool, doors: bool = False
) -> tuple[RunReport, str | None]:
    try:
        admin_password = prepare(db)
        if not doors:
            return run_plan(db, plan), admin_password
        from muster.door.exercise import DoorBank

        with tempfile.TemporaryDirectory(prefix="muster-doors-") as folder:
            return run_plan(db, plan, doors=DoorBank(db, Path(folder))), admin_password
    except (RunStopped, DomainError) as exc:
        _refuse(str(exc) if isinstance(exc, RunStopped) else exc.message, as_json=as_json)


def print_summary(report: RunReport) -> None:
    """The run as an operator reads it: what happened, and what held."""
    console.print(
        f"[bold]{report.scenario}[/]: {len(report.injects)} injects from "
        f"{report.start:%Y-%m-%d %H:%M:%S} to {report.end:%H:%M:%S} UTC; "
        f"{report.events} events in the record."
    )
    injects = Table("time", "actor", "action", "outcome", title="Injects", title_justify="left")
    for inject in report.injects:
        outcome = f"refused: {inject.detail}" if inject.refused else inject.detail
        injects.add_row(f"{inject.at:%H:%M:%S}", inject.actor, inject.action, outcome)
    console.print(injects)
    checks = Table("expectation", "result", "found", title="Expectations", title_justify="left")
    for e in report.expectations:
        checks.add_row(e.name, "[green]held[/]" if e.held else "[bold red]FAILED[/]", e.detail)
    console.print(checks)
    held = sum(e.held for e in report.expectations)
    verdict = "[green]PASSED[/]" if report.passed else "[bold red]FAILED[/]"
    console.print(f"{verdict}: {held} of {len(report.expectations)} expectations held.")


def _finish(report: RunReport, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report.to_json()))
    else:
        print_summary(report)
    if not report.passed:
        raise typer.Exit(1)


@scenario_app.command("check")
def scenario_check(file: Annotated[Path, typer.Argument(help="Scenario file (YAML)")]) -> None:
    """Check a scenario file without running it: structure, names, actors, arguments.

    Faults are listed as file:line: place: what is wrong. Exit code 2 if refused.

    Example: muster scenario check scenarios/crisis.yaml
    """
    plan = _load(file, as_json=False)
    persons = len(plan.scenario.station.all_persons())
    console.print(
        f"[green]{file} is valid:[/] {plan.scenario.scenario}, {persons} persons, "
        f"{len(plan.steps)} injects, {len(plan.checks)} expectations."
    )


@scenario_app.command("run")
def scenario_run(
    file: Annotated[Path, typer.Argument(help="Scenario file (YAML)")],
    throwaway: Annotated[
        bool, typer.Option("--throwaway", help="Run on a temporary SQLite database, then drop it")
    ] = False,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the outcome as one JSON object")
    ] = False,
) -> None:
    """Build the file's station, replay its injects and check its expectations.

    Runs on the database MUSTER_DATABASE_URL names (migrated first if empty), so the
    outcome can be inspected afterwards: a new database (then marked as an exercise's), one
    made for an exercise, or any while MUSTER_MODE is dev or demo; never a production-mode
    station's. --throwaway uses a temporary one. Every event it writes is marked
    exercise: true.
    Exit code 1 if an expectation fails or an inject goes otherwise than written;
    2 if the file is refused, and then nothing is run.

    Examples:
      muster scenario run scenarios/crisis.yaml --throwaway
      MUSTER_DATABASE_URL=sqlite:///drill.db muster scenario run drill.yaml --json
    """
    plan = _load(file, as_json=json_output)
    if throwaway:
        with throwaway_database() as db:
            report, _admin = _run(db, plan, as_json=json_output)
        _finish(report, as_json=json_output)
        return
    db = open_database()
    try:
        report, admin_password = _run(db, plan, as_json=json_output)
    finally:
        db.dispose()
    out = err_console if json_output else console
    if admin_password:
        report.passwords = {"admin": admin_password, **report.passwords}
    if report.passwords:
        out.print("Accounts created (passwords shown once; change them with muster user passwd):")
        for username, password in report.passwords.items():
            out.print(f"  {username}: {password}")
    _finish(report, as_json=json_output)


def demo(
    headless: Annotated[
        bool, typer.Option("--headless", help="Replay and check, then exit; no server")
    ] = False,
    json_output: Annotated[
        bool, typer.Option("--json", help="With --headless: print the outcome as JSON")
    ] = False,
    doors: Annotated[
        bool, typer.Option("--doors", help="Put the airlocks behind door controllers")
    ] = False,
    port: Annotated[int, typer.Option(help="Port of the demo server")] = 8000,
    database: Annotated[
        Path, typer.Option(help="SQLite file for the demo; recreated on every start")
    ] = DEMO_DATABASE,
) -> None:
    """Load the reference crisis into a fresh database and open the console on it.

    The demo database is recreated each time. Sign-in details are printed at start.

    Examples:
      muster demo
      muster demo --headless --json
      muster demo --headless --doors
    """
    plan = _load(crisis_path(), as_json=json_output)
    db = fresh_sqlite(database)
    try:
        report, admin_password = _run(db, plan, as_json=json_output, doors=doors)
    except BaseException:
        db.dispose()
        raise
    if headless:
        db.dispose()
        _finish(report, as_json=json_output)
        return
    print_summary(report)
    settings = Settings(
        mode=Mode.DEMO,
        database_url=db.url,
        secret_key=secrets.token_urlsafe(48),
        port=port,
    )
    _announce(settings, report, admin_password)
    from muster.web.server import run_server

    try:
        run_server(settings, db, host=settings.host, port=port)
    finally:
        db.dispose()


def _announce(settings: Settings, report: RunReport, admin_password: str | None) -> None:
    console.print(f"\n[bold]Muster demo[/] at http://{settings.host}:{settings.port}/")
    console.print(f"  Incident commander: john / {report.passwords.get('john', '(not created)')}")
    if admin_password:
        console.print(f"  Administrator:      admin / {admin_password}")
    console.print("Demo data only; the database is recreated on the next start. Ctrl+C stops.")
