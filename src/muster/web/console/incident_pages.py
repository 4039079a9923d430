"""Incidents: the list with a declare form, and one incident's page with its command roles,
objectives, tasks and timeline (its own log and the events of everything linked to it).

Every control is shown only when the policy allows it; every POST is authorized by the
use case it calls (``incident.declare``, ``incident.command``, ``incident.write``), the same
rule as the API's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, Response

from muster.errors import DomainError, Forbidden
from muster.events.service import last_seq
from muster.incidents import log, service
from muster.incidents.enums import CommandRole, IncidentStatus, Severity, TaskStatus
from muster.incidents.schemas import IncidentCreate, IncidentUpdate, TaskCreate, TaskUpdate
from muster.incidents.timeline import incident_timeline
from muster.web.console.forms import person_names, persons_for_pick, refused, when_of
from muster.web.console.fragments import fill, fragment
from muster.web.console.rendering import redirect, render
from muster.web.console.viewer import FormViewerDep, ViewerDep, require
from muster.web.deps import SessionDep

router = APIRouter()
LISTED = 100
TIMELINE_READ = 2000
TIMELINE_SHOWN = 300


@fragment("incident_timeline", action="incident.read")
def timeline_part(session: Session, _viewer: Any, params: Mapping[str, str]) -> dict[str, Any]:
    """The newest lines of an incident's timeline, newest first."""
    incident = service.get_incident(session, params.get("incident", ""))
    items = incident_timeline(session, incident_id=incident.id, limit=TIMELINE_READ)
    return {
        "incident": incident,
        "timeline": list(reversed(items))[:TIMELINE_SHOWN],
        "timeline_total": len(items),
    }


@fragment("incident_tasks", action="incident.read")
def tasks_part(session: Session, viewer: Any, params: Mapping[str, str]) -> dict[str, Any]:
    """The incident's tasks, soonest due first, with owners."""
    incident = service.get_incident(session, params.get("incident", ""))
    tasks = service.list_tasks(session, incident_id=incident.id)
    return {
        "incident": incident,
        "tasks": tasks,
        "task_owners": person_names(session, [t.owner_id for t in tasks]),
        "may_write": viewer.can("incident.write"),
    }


@router.get("/incidents", response_class=HTMLResponse)
def incident_list(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    """Every incident, newest first, and the form to declare one."""
    require(viewer, "incident.read")
    rows, total = service.list_incidents(session, limit=LISTED)
    may_declare = viewer.can("incident.declare")
    context: dict[str, Any] = {
        "incidents": rows,
        "total": total,
        "may_declare": may_declare,
        "severities": list(Severity),
        "live_after": last_seq(session),
    }
    if may_declare:
        context["persons"] = persons_for_pick(session)
    return render(request, "incidents.html", viewer, context)


@router.post("/incidents", response_model=None)
def declare(
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    title: Annotated[str, Form(max_length=200)] = "",
    kind: Annotated[str, Form(max_length=80)] = "",
    severity: Annotated[str, Form(max_length=20)] = "",
    location: Annotated[str, Form(max_length=200)] = "",
    commander_id: Annotated[str, Form(max_length=36)] = "",
) -> Response:
    """Declare an incident; its commander takes command at once."""
    try:
        data = IncidentCreate(
            title=title,
            kind=kind,
            severity=Severity(severity),
            location=location,
            commander_id=commander_id,
        )
        incident = service.declare_incident(session, data=data, actor=viewer.actor)
    except Forbidden:
        raise
    except (DomainError, ValueError) as exc:
        return refused(request, session, "/incidents", exc)
    note = f"Incident {incident.number} declared: {incident.title}."
    return redirect(request, f"/incidents/{incident.id}", note)


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
def incident_page(
    incident_id: str, request: Request, session: SessionDep, viewer: ViewerDep
) -> HTMLResponse:
    """One incident: state, command roles, objectives, tasks, timeline."""
    require(viewer, "incident.read")
    incident = service.get_incident(session, incident_id)
    parts = ["incident_tasks", "incident_timeline"]
    context = fill(session, viewer, parts, {"incident": incident.id})
    roles = service.list_roles(session, incident_id=incident.id, current_only=True)
    may_command = viewer.can("incident.command")
    context.update(
        {
            "incident": incident,
            "roles": roles,
            "role_names": person_names(session, [r.person_id for r in roles]),
            "commander": person_names(session, [incident.commander_id]).get(
                incident.commander_id, ""
            ),
            "objectives": service.list_objectives(session, incident_id=incident.id),
            "may_command": may_command,
            "may_write": viewer.can("incident.write"),
            "command_roles": list(CommandRole),
            "statuses": list(IncidentStatus),
            "live_after": last_seq(session),
        }
    )
    if may_command or context["may_write"]:
        context["persons"] = persons_for_pick(session)
    return render(request, "incident.html", viewer, context)


@router.post("/incidents/{incident_id}/log", response_model=None)
def add_log_entry(
    incident_id: str,
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    text: Annotated[str, Form(max_length=4000)] = "",
    pinned: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Write a line in the incident's activity log."""
    back = f"/incidents/{incident_id}"
    try:
        log.add_log_entry(
            session, incident_id=incident_id, text=text, pinned=bool(pinned), actor=viewer.actor
        )
    except Forbidden:
        raise
    except (DomainError, ValueError) as exc:
        return refused(request, session, back, exc)
    return redirect(request, back, "Log entry recorded.")


@router.post("/incidents/{incident_id}/tasks", response_model=None)
def add_task(
    incident_id: str,
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    title: Annotated[str, Form(max_length=300)] = "",
    owner_id: Annotated[str, Form(max_length=36)] = "",
    due_at: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Add a task with an owner and a due time."""
    back = f"/incidents/{incident_id}"
    try:
        data = TaskCreate(title=title, owner_id=owner_id or None, due_at=when_of(due_at, "due"))
        service.add_task(session, incident_id=incident_id, data=data, actor=viewer.actor)
    except Forbidden:
        raise
    except (DomainError, ValueError) as exc:
        return refused(request, session, back, exc)
    return redirect(request, back, f"Task added: {title}.")


@router.post("/incidents/{incident_id}/tasks/{task_id}/status", response_model=None)
def change_task(
    incident_id: str,
    task_id: str,
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    status: Annotated[str, Form(max_length=20)],
) -> Response:
    """Mark a task done, cancelled or open again."""
    back = f"/incidents/{incident_id}"
    try:
        data = TaskUpdate(status=TaskStatus(status))
        task = service.update_task(
            session, incident_id=incident_id, task_id=task_id, data=data, actor=viewer.actor
        )
    except Forbidden:
        raise
    except (DomainError, ValueError) as exc:
        return refused(request, session, back, exc)
    return redirect(request, back, f"Task '{task.title}' is now {task.status.value}.")


@router.post("/incidents/{incident_id}/roles", response_model=None)
def assign_role(
    incident_id: str,
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    role: Annotated[str, Form(max_length=40)],
    person_id: Annotated[str, Form(max_length=36)],
    site: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Give a command role to a person; the previous holder hands over."""
    back = f"/incidents/{incident_id}"
    try:
        row = service.assign_role(
            session,
            incident_id=incident_id,
            role=CommandRole(role),
            person_id=person_id,
            site=site,
            actor=viewer.actor,
        )
    except Forbidden:
        raise
    except (DomainError, ValueError) as exc:
        return refused(request, session, back, exc)
    return redirect(request, back, f"Command role assigned: {row.role.value.replace('_', ' ')}.")


@router.post("/incidents/{incident_id}/status", response_model=None)
def change_status(
    incident_id: str,
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    status: Annotated[str, Form(max_length=20)],
) -> Response:
    """Set the incident active, stable or closed."""
    back = f"/incidents/{incident_id}"
    try:
        data = IncidentUpdate(status=IncidentStatus(status))
        row = service.update_incident(
            session, incident_id=incident_id, data=data, actor=viewer.actor
        )
    except Forbidden:
        raise
    except (DomainError, ValueError) as exc:
        return refused(request, session, back, exc)
    return redirect(request, back, f"Incident {row.number} is now {row.status.value}.")
