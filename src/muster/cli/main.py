"""The ``muster`` command."""

from __future__ import annotations

from importlib import import_module

import typer

from muster.cli.common import console, fail, open_database
from muster.config import ConfigError, get_settings

app = typer.Typer(
    help="Muster: crisis command for crewed stations. Commands that change the record act "
    "as the account MUSTER_USER names (password from MUSTER_PASSWORD or a prompt), else as "
    "the local administrator's account, admin.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")

# (module, Typer attribute, command name) of every domain's commands.
SUB_APPS = (
    ("muster.auth.cli", "user_app", "user"),
    ("muster.auth.cli", "token_app", "token"),
    ("muster.events.cli", "audit_app", "audit"),
    ("muster.people.cli", "person_app", "person"),
    ("muster.people.cli", "party_app", "party"),
    ("muster.places.cli", "zone_app", "zone"),
    ("muster.places.cli", "portal_app", "portal"),
    ("muster.places.cli", "post_app", "post"),
    ("muster.scenario.cli", "scenario_app", "scenario"),
    ("muster.access.cli", "access_app", "access"),
    ("muster.access.cli", "hold_app", "hold"),
    ("muster.access.cli", "presence_app", "presence"),
    ("muster.access.cli", "rollcall_app", "rollcall"),
    ("muster.access.policy_cli", "policy_app", "policy"),
    ("muster.incidents.cli", "incident_app", "incident"),
    ("muster.incidents.cli", "sitrep_app", "sitrep"),
    ("muster.medical.cli", "casualty_app", "casualty"),
    ("muster.medical.cli", "screening_app", "screening"),
    ("muster.logistics.cli", "stock_app", "stock"),
    ("muster.logistics.cli", "workorder_app", "workorder"),
    ("muster.welfare.cli", "welfare_app", "welfare"),
    ("muster.agreements.cli", "agreement_app", "agreement"),
    ("muster.comms.cli", "comms_app", "comms"),
    ("muster.vessels.cli", "vessel_app", "vessel"),
    ("muster.vessels.cli", "asset_app", "asset"),
    ("muster.vessels.cli", "map_app", "map"),
)
# Imported plainly: a module or name missing here is an error at start, not a lost command.
for _module, _attr, _name in SUB_APPS:
    app.add_typer(getattr(import_module(_module), _attr), name=_name)
# Single commands (module, function, command name), and commands added to another group.
COMMANDS = (
    ("muster.scenario.cli", "demo", "demo"),
    ("muster.ops.cli", "backup_cmd", "backup"),
    ("muster.ops.cli", "restore_cmd", "restore"),
)
for _module, _attr, _name in COMMANDS:
    app.command(_name)(getattr(import_module(_module), _attr))
# Changing a portal's mode is an access action; operators look for it under "portal".
import_module("muster.places.cli").portal_app.command("mode")(
    import_module("muster.access.cli").mode_cmd
)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply schema migrations to the database MUSTER_DATABASE_URL names.

    Example: MUSTER_DATABASE_URL=postgresql://postgres@127.0.0.1/muster muster db upgrade
    """
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
