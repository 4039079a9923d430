"""The ``muster`` command.

Every group is named in ``ENTRIES`` with the module that holds it and loads only when run
(``muster.cli.lazy``), so ``muster --help`` and a simple command start at once. A module or
name missing from the table is an error the moment its command runs, and
``tests/test_cli_table.py`` imports every entry, so none is silently absent.
"""

from __future__ import annotations

import typer

from muster.cli.lazy import Entry, LazyGroup

# name -> where it lives and its line of help (the group's own, checked by a test).
ENTRIES: dict[str, Entry] = {
    "demo": Entry(
        "muster.scenario.cli",
        "demo",
        "Load the reference crisis into a fresh database and open the console on it.",
        group=False,
    ),
    "user": Entry("muster.auth.cli", "user_app", "Operator accounts."),
    "token": Entry("muster.auth.cli", "token_app", "API tokens for devices and scripts."),
    "audit": Entry(
        "muster.events.cli",
        "audit_app",
        "Check the tamper-evident record, sign checkpoints and prove events.",
    ),
    "person": Entry("muster.people.cli", "person_app", "Persons aboard or expected aboard."),
    "party": Entry("muster.people.cli", "party_app", "Visiting vessels and groups."),
    "zone": Entry("muster.places.cli", "zone_app", "Zones of the station and docking collars."),
    # Changing a portal's mode is an access action; operators look for it under "portal".
    "portal": Entry(
        "muster.places.cli",
        "portal_app",
        "Airlocks and doors.",
        extra=(("mode", "muster.access.cli", "mode_cmd"),),
    ),
    "post": Entry("muster.places.cli", "post_app", "Guard posts and who is assigned to them."),
    "scenario": Entry(
        "muster.scenario.cli",
        "scenario_app",
        "Exercises: build a station and replay a crisis from a scenario file, then check the "
        "outcome.",
    ),
    "access": Entry("muster.access.cli", "access_app", "Airlocks and doors under policy."),
    "hold": Entry("muster.access.cli", "hold_app", "Holds: no airlock lets a held person out."),
    "presence": Entry("muster.access.cli", "presence_app", "Who is where: head counts and places."),
    "rollcall": Entry("muster.access.cli", "rollcall_app", "Roll call: who is unaccounted for."),
    "policy": Entry(
        "muster.access.policy_cli", "policy_app", "The airlock and operator policy (Cedar)."
    ),
    "door": Entry("muster.door.cli", "door_app", "Door controllers that decide at the door."),
    "incident": Entry(
        "muster.incidents.cli", "incident_app", "Incidents: command, tasks, the log."
    ),
    "sitrep": Entry(
        "muster.incidents.cli", "sitrep_app", "Situation reports: draft, publish, export."
    ),
    "casualty": Entry("muster.medical.cli", "casualty_app", "Casualties and triage."),
    "screening": Entry(
        "muster.medical.cli", "screening_app", "Screenings and the holds they place."
    ),
    "hospital": Entry(
        "muster.medical.cli", "hospital_app", "Hospital beds: admit, transfer, discharge."
    ),
    "stock": Entry(
        "muster.logistics.cli",
        "stock_app",
        "Stock by location, custody of tracked units, CSV.",
    ),
    "workorder": Entry("muster.logistics.cli", "workorder_app", "Engineering work orders."),
    "welfare": Entry(
        "muster.welfare.cli", "welfare_app", "Consent cases, revocation and check-ups."
    ),
    "agreement": Entry(
        "muster.agreements.cli", "agreement_app", "Agreements, their terms and evidence."
    ),
    "comms": Entry("muster.comms.cli", "comms_app", "Orders, acknowledgements and escalation."),
    "report": Entry(
        "muster.posts.cli",
        "report_app",
        "Reports from the posts: situation, force used, help, the board.",
    ),
    "vessel": Entry(
        "muster.vessels.cli", "vessel_app", "Visiting vessels' orbits and departure alarms."
    ),
    "asset": Entry(
        "muster.vessels.cli", "asset_app", "Defence and station assets (command roles)."
    ),
    "map": Entry(
        "muster.vessels.cli",
        "map_app",
        "The station map: routes, walking times, who is nearest.",
    ),
    "backup": Entry(
        "muster.ops.cli",
        "backup_cmd",
        "Take a consistent backup of the database MUSTER_DATABASE_URL names, while it serves.",
        group=False,
    ),
    "restore": Entry(
        "muster.ops.cli",
        "restore_cmd",
        "Replace the database's contents with a backup, then verify the record's hash chain.",
        group=False,
    ),
}


class MusterGroup(LazyGroup):
    entries = ENTRIES


app = typer.Typer(
    cls=MusterGroup,
    rich_markup_mode=None,  # plain help here: Rich alone costs more than the 300 ms target
    help="Muster: crisis command for crewed stations. Commands that change the record act "
    "as the account MUSTER_USER names (password from MUSTER_PASSWORD or a prompt), else as "
    "the local administrator's account, admin.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply schema migrations to the database MUSTER_DATABASE_URL names.

    Example: MUSTER_DATABASE_URL=postgresql://postgres@127.0.0.1/muster muster db upgrade
    """
    from muster.cli.common import console, open_database
    from muster.migrate import upgrade

    db = open_database()
    try:
        upgrade(db, revision)
    finally:
        db.dispose()
    console.print(f"Database at migration {revision}.")


@app.command()
def serve(
    host: str | None = typer.Option(None, help="Address to listen on (MUSTER_HOST)"),
    port: int | None = typer.Option(None, help="Port (MUSTER_PORT)"),
    workers: int = typer.Option(
        1, min=1, help="Server processes sharing the port (one per core; see docs/benchmarks.md)"
    ),
) -> None:
    """Run the Muster server. Upgrades an empty database by itself.

    Example: MUSTER_SECRET_KEY=... muster serve --host 0.0.0.0 --port 8000 --workers 2
    """
    from muster.cli.common import console, fail, open_database
    from muster.config import ConfigError, get_settings
    from muster.web.server import prepare_database, run_server

    settings = get_settings()
    try:
        settings.check_startable()
    except ConfigError as exc:
        fail(str(exc))
    db = open_database()
    password = prepare_database(db)
    if password:
        console.print(f"First run: account [bold]admin[/] created, password [bold]{password}[/]")
        console.print("This password is shown once. Change it with: muster user passwd admin")
    run_server(
        settings, db, host=host or settings.host, port=port or settings.port, workers=workers
    )


def main() -> None:
    """Entry point of the ``muster`` script."""
    app()
