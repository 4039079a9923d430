"""The incident record: declaring, command roles with handover, objectives, tasks, the log."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster import clock
from muster.comms.channels import create_incident_channel
from muster.comms.groups import of_visiting_party
from muster.errors import Conflict, Invalid, NotFound
from muster.events.service import append_event
from muster.incidents.enums import CommandRole, IncidentStatus, TaskStatus
from muster.incidents.models import (
    Incident,
    Objective,
    RoleAssignment,
    Task,
)
from muster.incidents.schemas import IncidentCreate, IncidentUpdate, TaskCreate, TaskUpdate
from muster.people.enums import PersonStatus
from muster.people.models import Person
from muster.people.service import find_person, get_person
from muster.policy.actor import Actor
from muster.policy.authorize import authorize
from muster.schemas import number_in


def get_incident(session: Session, incident_id: str) -> Incident:
    """The incident with this id, number or exact title (each use case authorizes first)."""
    return find_incident(session, incident_id)


def find_incident(session: Session, ref: str) -> Incident:
    """The incident with this id, number or exact title."""
    incident = session.get(Incident, ref)
    if incident is None and (number := number_in(ref)) is not None:
        incident = session.scalar(select(Incident).where(Incident.number == number))
    if incident is None:
        incident = session.scalar(
            select(Incident).where(Incident.title == ref).order_by(Incident.number.desc())
        )
    if incident is None:
        raise NotFound(
            f"no incident with id, number or title {ref!r}; list them with: muster incident list"
        )
    return incident


def _open(incident: Incident) -> Incident:
    if incident.status is IncidentStatus.CLOSED:
        raise Conflict(f"incident {incident.number} is closed; reopen it to change its record")
    return incident


def declare_incident(session: Session, *, data: IncidentCreate, actor: Actor) -> Incident:
    """Declare an incident; its commander takes the incident commander's role at once."""
    authorize(actor, "incident.declare")
    commander = find_person(session, data.commander_id)
    at = clock.now()
    number = (session.scalar(select(func.max(Incident.number))) or 0) + 1
    incident = Incident(
        number=number,
        title=data.title,
        kind=data.kind,
        severity=data.severity,
        status=IncidentStatus.ACTIVE,
        location=data.location,
        zone_id=data.zone_id,
        commander_id=commander.id,
        declared_at=at,
        updated_at=at,
    )
    session.add(incident)
    session.flush()
    append_event(
        session,
        kind="incidents.incident.declared",
        actor=actor,
        subjects=[incident.id, commander.id, data.zone_id or ""],
        payload={
            "summary": f"Incident {number} declared: {data.title} ({data.severity.value}) at "
            f"{data.location}; commander {commander.name}.",
            **data.model_dump(),
            "commander_id": commander.id,
            "number": number,
        },
    )
    _assign(session, incident, CommandRole.INCIDENT_COMMANDER, commander.id, "", actor)
    create_incident_channel(
        session, incident_id=incident.id, number=number, title=data.title, actor=actor
    )
    return incident


def update_incident(
    session: Session, *, incident_id: str, data: IncidentUpdate, actor: Actor
) -> Incident:
    """Change an incident's title, severity, location or status (active, stable, closed)."""
    authorize(actor, "incident.command")
    incident = get_incident(session, incident_id)
    values = data.model_dump(exclude_unset=True, exclude_none=True)
    changes = {}
    for field, value in values.items():
        old = getattr(incident, field)
        if old != value:
            changes[field] = [old, value]
            setattr(incident, field, value)
    if not changes:
        return incident
    if "status" not in changes:
        _open(incident)
    at = clock.now()
    incident.updated_at = at
    if "status" in changes:
        incident.closed_at = at if incident.status is IncidentStatus.CLOSED else None
    words = "; ".join(f"{k} {old} to {new}" for k, (old, new) in changes.items())
    append_event(
        session,
        kind="incidents.incident.updated",
        actor=actor,
        subjects=[incident.id],
        payload={"summary": f"Incident {incident.number}: {words}.", "changes": changes},
    )
    return incident


def list_incidents(
    session: Session, *, status: IncidentStatus | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[Incident], int]:
    """Incidents, newest first."""
    query = select(Incident)
    if status is not None:
        query = query.where(Incident.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Incident.number.desc()).limit(limit).offset(offset))
    return list(rows.all()), total


# Command roles


def _may_hold_role(person: Person, role: CommandRole) -> None:
    """The dead hold no role; the visiting party holds no station role (P6), liaison included."""
    what = role.value.replace("_", " ")
    if person.status is PersonStatus.DECEASED:
        raise Conflict(f"{person.name} is recorded as deceased and cannot be made {what}")
    if of_visiting_party(person):
        raise Conflict(
            f"{person.name} is of the visiting party and cannot be made {what}; "
            "choose a member of the station's staff"
        )


def _assign(
    session: Session,
    incident: Incident,
    role: CommandRole,
    person_ref: str,
    site: str,
    actor: Actor,
) -> RoleAssignment:
    person = find_person(session, person_ref)
    _may_hold_role(person, role)
    at = clock.now()
    current = session.scalars(
        select(RoleAssignment).where(
            RoleAssignment.incident_id == incident.id,
            RoleAssignment.role == role,
            RoleAssignment.site == site,
            RoleAssignment.ended_at.is_(None),
        )
    ).all()
    if any(c.person_id == person.id for c in current):
        raise Conflict(f"{person.name} already holds the role {role.value}")
    previous = [get_person(session, c.person_id).name for c in current]
    for held in current:
        held.ended_at = at
    assignment = RoleAssignment(
        incident_id=incident.id, role=role, site=site, person_id=person.id, started_at=at
    )
    session.add(assignment)
    if role is CommandRole.INCIDENT_COMMANDER:
        incident.commander_id = person.id
    session.flush()
    where = f" at {site}" if site else ""
    summary = f"{person.name} takes the role {role.value}{where}"
    summary += f", handed over by {', '.join(previous)}." if previous else "."
    append_event(
        session,
        kind="incidents.role.assigned",
        actor=actor,
        subjects=[incident.id, person.id, *(c.person_id for c in current)],
        payload={"summary": summary, "role": role.value, "site": site, "previous": previous},
    )
    return assignment


def assign_role(
    session: Session,
    *,
    incident_id: str,
    role: CommandRole,
    person_id: str,
    site: str = "",
    actor: Actor,
) -> RoleAssignment:
    """Give a command role to a person; whoever held it (at that site) hands over now."""
    authorize(actor, "incident.command")
    incident = _open(get_incident(session, incident_id))
    if role is CommandRole.SITE_OFFICER and not site.strip():
        raise Invalid("name the site of a site officer, e.g. 'West airlock'")
    return _assign(session, incident, role, person_id, site.strip(), actor)


def list_roles(
    session: Session, *, incident_id: str, current_only: bool = False
) -> list[RoleAssignment]:
    """The incident's command roles in the order they were taken."""
    query = select(RoleAssignment).where(RoleAssignment.incident_id == incident_id)
    if current_only:
        query = query.where(RoleAssignment.ended_at.is_(None))
    return list(session.scalars(query.order_by(RoleAssignment.started_at)).all())


# Objectives and tasks


def add_objective(session: Session, *, incident_id: str, text: str, actor: Actor) -> Objective:
    """Add an objective to the incident."""
    authorize(actor, "incident.command")
    incident = _open(get_incident(session, incident_id))
    objective = Objective(incident_id=incident.id, text=text, created_at=clock.now())
    session.add(objective)
    session.flush()
    append_event(
        session,
        kind="incidents.objective.added",
        actor=actor,
        subjects=[incident.id, objective.id],
        payload={"summary": f"Objective: {text}"},
    )
    return objective


def list_objectives(session: Session, *, incident_id: str) -> list[Objective]:
    """The incident's objectives, oldest first."""
    query = select(Objective).where(Objective.incident_id == incident_id)
    return list(session.scalars(query.order_by(Objective.created_at)).all())


def add_task(session: Session, *, incident_id: str, data: TaskCreate, actor: Actor) -> Task:
    """Add a task with an owner and a due time."""
    authorize(actor, "incident.write")
    incident = _open(get_incident(session, incident_id))
    owner = find_person(session, data.owner_id) if data.owner_id else None
    if data.objective_id is not None:
        objective = session.get(Objective, data.objective_id)
        if objective is None or objective.incident_id != incident.id:
            raise NotFound(f"incident {incident.number} has no objective {data.objective_id!r}")
    if data.due_at is not None and data.due_at.tzinfo is None:
        raise Invalid("give the due time with its zone, e.g. 2031-05-04T14:30:00Z")
    task = Task(
        incident_id=incident.id,
        objective_id=data.objective_id,
        title=data.title,
        owner_id=owner.id if owner else None,
        due_at=data.due_at,
        status=TaskStatus.OPEN,
        created_at=clock.now(),
    )
    session.add(task)
    session.flush()
    due = f", due {data.due_at:%Y-%m-%d %H:%M} UTC" if data.due_at else ""
    append_event(
        session,
        kind="incidents.task.added",
        actor=actor,
        subjects=[incident.id, task.id, owner.id if owner else ""],
        payload={
            "summary": f"Task: {data.title} (owner {owner.name if owner else 'none'}{due}).",
            "due_at": data.due_at,
        },
    )
    return task


def update_task(
    session: Session, *, incident_id: str, task_id: str, data: TaskUpdate, actor: Actor
) -> Task:
    """Complete, cancel, reopen or reassign a task."""
    authorize(actor, "incident.write")
    incident = _open(get_incident(session, incident_id))
    task = session.get(Task, task_id)
    if task is None or task.incident_id != incident.id:
        raise NotFound(f"incident {incident.number} has no task {task_id!r}")
    values = data.model_dump(exclude_unset=True, exclude_none=True)
    if "owner_id" in values:
        get_person(session, values["owner_id"])
    changes = {}
    for field, value in values.items():
        if getattr(task, field) != value:
            changes[field] = [getattr(task, field), value]
            setattr(task, field, value)
    if not changes:
        return task
    if "status" in changes:
        task.completed_at = clock.now() if task.status is TaskStatus.DONE else None
    words = "; ".join(f"{k} {old} to {new}" for k, (old, new) in changes.items())
    append_event(
        session,
        kind="incidents.task.updated",
        actor=actor,
        subjects=[incident.id, task.id, task.owner_id or ""],
        payload={"summary": f"Task '{task.title}': {words}.", "changes": changes},
    )
    return task


def list_tasks(
    session: Session, *, incident_id: str, status: TaskStatus | None = None
) -> list[Task]:
    """The incident's tasks, soonest due first (tasks without a due time last)."""
    query = select(Task).where(Task.incident_id == incident_id)
    if status is not None:
        query = query.where(Task.status == status)
    return list(
        session.scalars(query.order_by(Task.due_at.is_(None), Task.due_at, Task.created_at)).all()
    )
