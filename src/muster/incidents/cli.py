"""``muster incident ...`` and ``muster sitrep ...``: the incident record at the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from muster.cli.common import cli_actor, cli_session, console
from muster.events.checkpoints import checkpoint_lines
from muster.incidents import service, sitrep
from muster.incidents.enums import CommandRole, Severity
from muster.incidents.export import figure_lines, to_markdown, to_pdf
from muster.incidents.log import add_log_entry
from muster.incidents.schemas import IncidentCreate, SitrepEdit, TaskCreate
from muster.incidents.timeline import incident_timeline

incident_app = typer.Typer(help="Incidents: command, tasks, the log.", no_args_is_help=True)
sitrep_app = typer.Typer(help="Situation reports: draft, publish, export.", no_args_is_help=True)

Ref = Annotated[str, typer.Argument(help="Incident number, id or title")]


@incident_app.command("declare")
def declare(
    title: str,
    commander: Annotated[str, typer.Option(help="Commander: person name, badge or id")],
    location: Annotated[str, typer.Option(help="Where")],
    kind: Annotated[str, typer.Option(help="What kind of incident")] = "security",
    severity: Annotated[Severity, typer.Option(help="How grave")] = Severity.MAJOR,
) -> None:
    """Declare an incident.

    Example: muster incident declare "West airlock" --commander John --location "West airlock"
    """
    with cli_session() as session:
        data = IncidentCreate(
            title=title, kind=kind, severity=severity, location=location, commander_id=commander
        )
        incident = service.declare_incident(session, data=data, actor=cli_actor(session))
        console.print(f"Incident {incident.number} declared ({incident.id}).")


@incident_app.command("list")
def list_incidents() -> None:
    """List incidents, newest first."""
    with cli_session(write=False) as session:
        rows, total = service.list_incidents(session, limit=100)
        for i in rows:
            console.print(f"{i.number:>3}  {i.status.value:<7} {i.severity.value:<9} {i.title}")
        console.print(f"{total} incident(s).")


@incident_app.command("role")
def role(
    ref: Ref,
    role: Annotated[CommandRole, typer.Argument(help="The command role")],
    person: Annotated[str, typer.Argument(help="Person name, badge or id")],
    site: Annotated[str, typer.Option(help="Site of a site officer")] = "",
) -> None:
    """Give a command role to a person; the previous holder hands over.

    Example: muster incident role 1 site_officer Dominic --site "West airlock"
    """
    with cli_session() as session:
        service.assign_role(
            session,
            incident_id=ref,
            role=role,
            person_id=person,
            site=site,
            actor=cli_actor(session),
        )
        console.print(f"{person} now holds {role.value}.")


@incident_app.command("task")
def task(
    ref: Ref,
    title: str,
    owner: Annotated[str | None, typer.Option(help="Owner: person name or id")] = None,
) -> None:
    """Add a task.

    Example: muster incident task 1 "Shields to both airlocks" --owner George
    """
    with cli_session() as session:
        data = TaskCreate(title=title, owner_id=owner)
        service.add_task(session, incident_id=ref, data=data, actor=cli_actor(session))
        console.print("Task added.")


@incident_app.command("log")
def log(
    ref: Ref,
    text: str,
    pin: Annotated[bool, typer.Option(help="Pin the entry")] = False,
) -> None:
    """Write a line in the activity log.

    Example: muster incident log 1 "Residents taken to the hospital." --pin
    """
    with cli_session() as session:
        add_log_entry(session, incident_id=ref, text=text, pinned=pin, actor=cli_actor(session))
        console.print("Logged.")


@incident_app.command("timeline")
def timeline(ref: Ref, limit: int = 200) -> None:
    """Show the incident's timeline."""
    with cli_session(write=False) as session:
        incident = service.find_incident(session, ref)
        for item in incident_timeline(session, incident_id=incident.id, limit=limit):
            pin = "*" if item.pinned else " "
            console.print(f"{pin}{item.at:%H:%M:%S}  {item.actor:<16} {item.text}", markup=False)


@sitrep_app.command("show")
def show(ref: Ref) -> None:
    """Show the working draft with figures as of now."""
    with cli_session(write=False) as session:
        incident = service.find_incident(session, ref)
        draft = sitrep.preview_draft(session, incident_id=incident.id)
        for line in [*figure_lines(draft.figures), "Record checkpoint:"]:
            console.print(line, markup=False)
        for line in checkpoint_lines(draft.figures.get("record_checkpoint")):
            console.print(f"  {line}", markup=False, soft_wrap=True)


@sitrep_app.command("edit")
def edit(
    ref: Ref,
    situation: Annotated[str | None, typer.Option(help="Situation text")] = None,
    actions: Annotated[str | None, typer.Option(help="Actions taken")] = None,
    plans: Annotated[str | None, typer.Option(help="Plans")] = None,
) -> None:
    """Edit the draft's narrative."""
    with cli_session() as session:
        data = SitrepEdit(situation=situation, actions=actions, plans=plans)
        sitrep.edit_draft(session, incident_id=ref, data=data, actor=cli_actor(session))
        console.print("Draft updated.")


@sitrep_app.command("publish")
def publish(ref: Ref) -> None:
    """Publish the draft as the next numbered version."""
    with cli_session() as session:
        version = sitrep.publish_sitrep(session, incident_id=ref, actor=cli_actor(session))
        console.print(f"Situation report {version.number} published.")


@sitrep_app.command("export")
def export(
    ref: Ref,
    number: int,
    out: Annotated[Path, typer.Option(help="File to write: .md or .pdf")],
) -> None:
    """Write a published version as Markdown or PDF.

    Example: muster sitrep export 1 2 --out sitrep-2.pdf
    """
    with cli_session(write=False) as session:
        incident = service.find_incident(session, ref)
        version = sitrep.get_version(session, incident_id=incident.id, number=number)
        if out.suffix == ".pdf":
            out.write_bytes(to_pdf(incident, version))
        else:
            out.write_text(to_markdown(incident, version))
        console.print(f"Written to {out}.")
