"""The incident record and situation reports over HTTP."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from muster.incidents import log, service, sitrep
from muster.incidents.enums import IncidentStatus
from muster.incidents.export import to_markdown, to_pdf
from muster.incidents.schemas import (
    IncidentCreate,
    IncidentRead,
    IncidentUpdate,
    LinkCreate,
    LogEntryCreate,
    LogEntryRead,
    ObjectiveCreate,
    ObjectiveRead,
    PinChange,
    RoleAssign,
    RoleRead,
    SitrepEdit,
    SitrepRead,
    TaskCreate,
    TaskRead,
    TaskUpdate,
    TimelineItem,
)
from muster.incidents.timeline import incident_timeline
from muster.policy.authorize import authorize
from muster.schemas import Page, RecordNumber
from muster.web.deps import CurrentActor, PageDep, SessionDep

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])


@router.post("", status_code=status.HTTP_201_CREATED)
def declare(data: IncidentCreate, session: SessionDep, actor: CurrentActor) -> IncidentRead:
    """Declare an incident; its commander takes command at once."""
    return IncidentRead.model_validate(service.declare_incident(session, data=data, actor=actor))


@router.get("")
def read_incidents(
    session: SessionDep,
    actor: CurrentActor,
    page: PageDep,
    incident_status: IncidentStatus | None = None,
) -> Page[IncidentRead]:
    """Incidents, newest first."""
    authorize(actor, "incident.read")
    rows, total = service.list_incidents(
        session, status=incident_status, limit=page.limit, offset=page.offset
    )
    items = [IncidentRead.model_validate(r) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/{incident_id}")
def read_incident(incident_id: str, session: SessionDep, actor: CurrentActor) -> IncidentRead:
    """One incident."""
    authorize(actor, "incident.read")
    return IncidentRead.model_validate(service.get_incident(session, incident_id))


@router.patch("/{incident_id}")
def change_incident(
    incident_id: str, data: IncidentUpdate, session: SessionDep, actor: CurrentActor
) -> IncidentRead:
    """Change an incident's title, severity, location or status."""
    row = service.update_incident(session, incident_id=incident_id, data=data, actor=actor)
    return IncidentRead.model_validate(row)


@router.get("/{incident_id}/roles")
def read_roles(
    incident_id: str, session: SessionDep, actor: CurrentActor, current: bool = False
) -> list[RoleRead]:
    """Command roles, with handovers."""
    authorize(actor, "incident.read")
    rows = service.list_roles(session, incident_id=incident_id, current_only=current)
    return [RoleRead.model_validate(r) for r in rows]


@router.post("/{incident_id}/roles", status_code=status.HTTP_201_CREATED)
def assign_role(
    incident_id: str, data: RoleAssign, session: SessionDep, actor: CurrentActor
) -> RoleRead:
    """Give a command role to a person; the previous holder hands over."""
    row = service.assign_role(
        session,
        incident_id=incident_id,
        role=data.role,
        person_id=data.person_id,
        site=data.site,
        actor=actor,
    )
    return RoleRead.model_validate(row)


@router.get("/{incident_id}/objectives")
def read_objectives(
    incident_id: str, session: SessionDep, actor: CurrentActor
) -> list[ObjectiveRead]:
    """The incident's objectives."""
    authorize(actor, "incident.read")
    rows = service.list_objectives(session, incident_id=incident_id)
    return [ObjectiveRead.model_validate(r) for r in rows]


@router.post("/{incident_id}/objectives", status_code=status.HTTP_201_CREATED)
def add_objective(
    incident_id: str, data: ObjectiveCreate, session: SessionDep, actor: CurrentActor
) -> ObjectiveRead:
    """Add an objective."""
    row = service.add_objective(session, incident_id=incident_id, text=data.text, actor=actor)
    return ObjectiveRead.model_validate(row)


@router.get("/{incident_id}/tasks")
def read_tasks(incident_id: str, session: SessionDep, actor: CurrentActor) -> list[TaskRead]:
    """The incident's tasks, soonest due first."""
    authorize(actor, "incident.read")
    return [
        TaskRead.model_validate(t) for t in service.list_tasks(session, incident_id=incident_id)
    ]


@router.post("/{incident_id}/tasks", status_code=status.HTTP_201_CREATED)
def add_task(
    incident_id: str, data: TaskCreate, session: SessionDep, actor: CurrentActor
) -> TaskRead:
    """Add a task with an owner and a due time."""
    return TaskRead.model_validate(
        service.add_task(session, incident_id=incident_id, data=data, actor=actor)
    )


@router.patch("/{incident_id}/tasks/{task_id}")
def change_task(
    incident_id: str, task_id: str, data: TaskUpdate, session: SessionDep, actor: CurrentActor
) -> TaskRead:
    """Complete, cancel, reopen or reassign a task."""
    row = service.update_task(
        session, incident_id=incident_id, task_id=task_id, data=data, actor=actor
    )
    return TaskRead.model_validate(row)


@router.get("/{incident_id}/log")
def read_log(
    incident_id: str, session: SessionDep, actor: CurrentActor, pinned: bool = False
) -> list[LogEntryRead]:
    """The activity log (pinned entries only if asked)."""
    authorize(actor, "incident.read")
    rows = log.list_log_entries(session, incident_id=incident_id, pinned_only=pinned)
    return [LogEntryRead.model_validate(r) for r in rows]


@router.post("/{incident_id}/log", status_code=status.HTTP_201_CREATED)
def add_log_entry(
    incident_id: str, data: LogEntryCreate, session: SessionDep, actor: CurrentActor
) -> LogEntryRead:
    """Write a line in the activity log."""
    row = log.add_log_entry(
        session, incident_id=incident_id, text=data.text, pinned=data.pinned, actor=actor
    )
    return LogEntryRead.model_validate(row)


@router.put("/{incident_id}/log/{entry_id}/pin")
def pin_entry(
    incident_id: str, entry_id: str, data: PinChange, session: SessionDep, actor: CurrentActor
) -> LogEntryRead:
    """Pin or unpin a log entry."""
    row = log.pin_log_entry(
        session, incident_id=incident_id, entry_id=entry_id, pinned=data.pinned, actor=actor
    )
    return LogEntryRead.model_validate(row)


@router.post("/{incident_id}/links", status_code=status.HTTP_201_CREATED)
def link(
    incident_id: str, data: LinkCreate, session: SessionDep, actor: CurrentActor
) -> dict[str, str]:
    """Bring a subject's events onto the incident's timeline."""
    row = log.link_subject(
        session, incident_id=incident_id, subject_id=data.subject_id, label=data.label, actor=actor
    )
    return {"id": row.id, "subject_id": row.subject_id, "label": row.label}


@router.get("/{incident_id}/timeline")
def timeline(
    incident_id: str, session: SessionDep, actor: CurrentActor, page: PageDep
) -> list[TimelineItem]:
    """The incident's log and the events of everything linked to it, in order."""
    authorize(actor, "incident.read")
    return incident_timeline(session, incident_id=incident_id, limit=page.limit, offset=page.offset)


@router.get("/{incident_id}/sitrep")
def read_draft(incident_id: str, session: SessionDep, actor: CurrentActor) -> SitrepRead:
    """The working draft with figures computed now (not stored by a read)."""
    authorize(actor, "incident.read")
    draft = sitrep.preview_draft(session, incident_id=incident_id)
    return SitrepRead.model_validate(draft)


@router.patch("/{incident_id}/sitrep")
def edit_draft(
    incident_id: str, data: SitrepEdit, session: SessionDep, actor: CurrentActor
) -> SitrepRead:
    """The scribe edits the draft's narrative."""
    return SitrepRead.model_validate(
        sitrep.edit_draft(session, incident_id=incident_id, data=data, actor=actor)
    )


@router.post("/{incident_id}/sitreps", status_code=status.HTTP_201_CREATED)
def publish(incident_id: str, session: SessionDep, actor: CurrentActor) -> SitrepRead:
    """The commander publishes the draft as the next numbered version."""
    return SitrepRead.model_validate(
        sitrep.publish_sitrep(session, incident_id=incident_id, actor=actor)
    )


@router.get("/{incident_id}/sitreps")
def read_versions(incident_id: str, session: SessionDep, actor: CurrentActor) -> list[SitrepRead]:
    """Published versions, by number."""
    authorize(actor, "incident.read")
    rows = sitrep.list_versions(session, incident_id=incident_id)
    return [SitrepRead.model_validate(r) for r in rows]


@router.get("/{incident_id}/sitreps/{number}")
def read_version(
    incident_id: str,
    number: RecordNumber,
    session: SessionDep,
    actor: CurrentActor,
    fmt: str = "json",
) -> Response:
    """One published version: ``fmt`` json, md (Markdown) or pdf."""
    authorize(actor, "incident.read")
    incident = service.get_incident(session, incident_id)
    row = sitrep.get_version(session, incident_id=incident.id, number=number)
    if fmt == "md":
        return Response(to_markdown(incident, row), media_type="text/markdown; charset=utf-8")
    if fmt == "pdf":
        name = f"sitrep-{incident.number}-{number}.pdf"
        return Response(
            to_pdf(incident, row),
            media_type="application/pdf",
            headers={"content-disposition": f'attachment; filename="{name}"'},
        )
    return Response(SitrepRead.model_validate(row).model_dump_json(), media_type="application/json")
