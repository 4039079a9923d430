"""Situation reports: figures computed from the live record, a draft, numbered versions.

The scribe edits the incident's one working draft; the commander publishes it as the next
numbered version, with its figures frozen at that moment. A published version never
changes: the service refuses, and a flush-time guard refuses any write that slips past.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from muster import clock
from muster.access.models import Hold
from muster.access.presence import head_counts
from muster.agreements.service import count_terms_due
from muster.comms.service import list_messages
from muster.errors import Conflict, NotFound
from muster.events.checkpoints import latest_checkpoint
from muster.events.service import append_event
from muster.incidents.enums import SitrepStatus, TaskStatus
from muster.incidents.models import Sitrep, Task
from muster.incidents.schemas import SitrepEdit
from muster.incidents.service import get_incident
from muster.medical.casualties import casualty_counts
from muster.medical.hospital import ward_counts
from muster.policy.actor import Actor
from muster.policy.authorize import authorize
from muster.posts.figures import post_figures


def compute_figures(session: Session, *, incident_id: str) -> dict[str, Any]:
    """The situation now, from the records: nothing in it is typed in. It carries the
    record's newest signed checkpoint (``record_checkpoint``, None before the first)."""
    at = clock.now()
    heads = head_counts(session)
    holds = dict(
        session.execute(
            select(Hold.kind, func.count()).where(Hold.lifted_at.is_(None)).group_by(Hold.kind)
        ).all()
    )
    tasks = session.scalars(
        select(Task).where(Task.incident_id == incident_id, Task.status == TaskStatus.OPEN)
    ).all()
    counts = casualty_counts(session, incident_id=incident_id)
    figures: dict[str, Any] = {
        "as_of": at.isoformat(),
        "persons_aboard": heads.aboard,
        "visitors_aboard": heads.by_affiliation.get("visitor", 0),
        "persons_place_unknown": heads.unknown,
        "holds": {
            "provisional": int(holds.get("provisional", 0)),
            "medical": int(holds.get("medical", 0)),
        },
        "casualties": counts.model_dump(),
        "hospital": [
            {"ward": w.name, "beds": w.beds, "patients": w.patients} for w in ward_counts(session)
        ],
        "tasks_open": len(tasks),
        "tasks_overdue": sum(1 for t in tasks if t.due_at is not None and t.due_at < at),
    }
    _rows, unacknowledged = list_messages(session, unacknowledged=True, limit=1)
    figures["orders_unacknowledged"] = int(unacknowledged)
    figures["agreement_terms_due"] = count_terms_due(session, now=at)
    figures.update(post_figures(session, incident_id=incident_id))
    # The record's newest signed head leaves the database on every report: a reader who
    # keeps it can later prove the log still extends it (muster audit verify --checkpoint).
    signed = latest_checkpoint(session)
    figures["record_checkpoint"] = signed.to_dict() if signed is not None else None
    return figures


def get_draft(session: Session, *, incident_id: str, actor: Actor | None = None) -> Sitrep:
    """The incident's working draft (made on first use), its figures refreshed to now."""
    incident = get_incident(session, incident_id)
    draft = session.scalar(
        select(Sitrep).where(Sitrep.incident_id == incident.id, Sitrep.status == "draft")
    )
    if draft is None:
        draft = Sitrep(
            incident_id=incident.id,
            status=SitrepStatus.DRAFT,
            edited_by=actor.label if actor else "",
            updated_at=clock.now(),
        )
        session.add(draft)
    draft.figures = compute_figures(session, incident_id=incident.id)
    session.flush()
    return draft


def preview_draft(session: Session, *, incident_id: str) -> Sitrep:
    """The draft as it would read now, figures computed, without writing anything."""
    incident = get_incident(session, incident_id)
    stored = session.scalar(
        select(Sitrep).where(Sitrep.incident_id == incident.id, Sitrep.status == "draft")
    )
    at = clock.now()
    return Sitrep(
        id=stored.id if stored else "",
        incident_id=incident.id,
        status=SitrepStatus.DRAFT,
        number=None,
        situation=stored.situation if stored else "",
        actions=stored.actions if stored else "",
        plans=stored.plans if stored else "",
        figures=compute_figures(session, incident_id=incident.id),
        edited_by=stored.edited_by if stored else "",
        updated_at=stored.updated_at if stored else at,
        published_at=None,
        published_by="",
    )


def edit_draft(session: Session, *, incident_id: str, data: SitrepEdit, actor: Actor) -> Sitrep:
    """The scribe's changes to the draft's narrative (situation, actions, plans)."""
    authorize(actor, "sitrep.edit")
    draft = get_draft(session, incident_id=incident_id, actor=actor)
    changed = sorted(
        k for k, v in data.model_dump(exclude_none=True).items() if v != getattr(draft, k)
    )
    for field in changed:
        setattr(draft, field, getattr(data, field))
    if changed:
        draft.edited_by = actor.label
        draft.updated_at = clock.now()
        append_event(
            session,
            kind="incidents.sitrep.draft_edited",
            actor=actor,
            subjects=[draft.incident_id, draft.id],
            payload={"fields": changed},
        )
    return draft


def publish_sitrep(session: Session, *, incident_id: str, actor: Actor) -> Sitrep:
    """Publish the draft as the next numbered version, its figures frozen now."""
    authorize(actor, "sitrep.publish")
    draft = get_draft(session, incident_id=incident_id, actor=actor)
    incident_id = draft.incident_id  # the id, whatever reference the caller gave
    number = (
        session.scalar(select(func.max(Sitrep.number)).where(Sitrep.incident_id == incident_id))
        or 0
    ) + 1
    at = clock.now()
    version = Sitrep(
        incident_id=incident_id,
        status=SitrepStatus.PUBLISHED,
        number=number,
        situation=draft.situation,
        actions=draft.actions,
        plans=draft.plans,
        figures=draft.figures,
        edited_by=draft.edited_by,
        updated_at=at,
        published_at=at,
        published_by=actor.label,
    )
    session.add(version)
    session.flush()
    append_event(
        session,
        kind="incidents.sitrep.published",
        actor=actor,
        subjects=[incident_id, version.id],
        payload={
            "summary": f"Situation report {number} published.",
            "number": number,
            "figures": version.figures,
        },
    )
    return version


def get_version(session: Session, *, incident_id: str, number: int) -> Sitrep:
    """A published version by its number."""
    sitrep = session.scalar(
        select(Sitrep).where(Sitrep.incident_id == incident_id, Sitrep.number == number)
    )
    if sitrep is None:
        raise NotFound(f"no published situation report {number} for this incident")
    return sitrep


def list_versions(session: Session, *, incident_id: str) -> list[Sitrep]:
    """The incident's published versions, by number."""
    query = select(Sitrep).where(
        Sitrep.incident_id == incident_id, Sitrep.status == SitrepStatus.PUBLISHED
    )
    return list(session.scalars(query.order_by(Sitrep.number)).all())


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_published(session: Session, _context: Any, _instances: Any) -> None:
    for row in [*session.dirty, *session.deleted]:
        if not isinstance(row, Sitrep):
            continue
        state = inspect(row)
        status = state.attrs.status.history
        was = status.deleted[0] if status.deleted else row.status
        if was == SitrepStatus.PUBLISHED and (row in session.deleted or session.is_modified(row)):
            raise Conflict(
                f"situation report {row.number} is published and cannot change; "
                "edit the draft and publish a new version"
            )
