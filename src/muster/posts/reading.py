"""What the posts have said: the open incident, the latest report per post and its age."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster.incidents.enums import IncidentStatus
from muster.incidents.models import Incident
from muster.posts.models import ForceUse, PostReport

OPEN = (IncidentStatus.ACTIVE, IncidentStatus.STABLE)


def open_incident(session: Session) -> Incident | None:
    """The incident reports belong to: the most recently declared one still open."""
    query = select(Incident).where(Incident.status.in_(OPEN))
    return session.scalar(query.order_by(Incident.declared_at.desc(), Incident.number.desc()))


def latest_reports(session: Session, post_ids: list[str] | None = None) -> dict[str, PostReport]:
    """Each post's latest report, by post id (posts that never reported are absent)."""
    newest = select(PostReport.post_id, func.max(PostReport.reported_at).label("at")).group_by(
        PostReport.post_id
    )
    if post_ids is not None:
        newest = newest.where(PostReport.post_id.in_(post_ids))
    sub = newest.subquery()
    query = select(PostReport).join(
        sub, (sub.c.post_id == PostReport.post_id) & (sub.c.at == PostReport.reported_at)
    )
    return {r.post_id: r for r in session.scalars(query)}


def latest_report(session: Session, post_id: str) -> PostReport | None:
    """The post's latest report, if it ever reported."""
    return latest_reports(session, [post_id]).get(post_id)


def list_reports(
    session: Session,
    *,
    post_id: str | None = None,
    incident_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[PostReport], int]:
    """Reports newest first, of one post or one incident."""
    query = select(PostReport)
    if post_id:
        query = query.where(PostReport.post_id == post_id)
    if incident_id:
        query = query.where(PostReport.incident_id == incident_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(PostReport.reported_at.desc(), PostReport.id).limit(limit).offset(offset)
    )
    return list(rows), total


def force_of_reports(session: Session, report_ids: list[str]) -> dict[str, list[ForceUse]]:
    """The force each report recorded, by report id."""
    found: dict[str, list[ForceUse]] = {r: [] for r in report_ids}
    query = select(ForceUse).where(ForceUse.report_id.in_(report_ids)).order_by(ForceUse.used_at)
    for row in session.scalars(query):
        found[row.report_id].append(row)
    return found


def force_with_unit(session: Session, unit_id: str) -> list[ForceUse]:
    """Every recorded use of force with this weapon, oldest first."""
    query = select(ForceUse).where(ForceUse.unit_id == unit_id).order_by(ForceUse.used_at)
    return list(session.scalars(query))


def force_in_incident(session: Session, incident_id: str) -> list[ForceUse]:
    """Every recorded use of force during the incident, oldest first."""
    query = select(ForceUse).where(ForceUse.incident_id == incident_id).order_by(ForceUse.used_at)
    return list(session.scalars(query))


def age_seconds(at: datetime | None, now: datetime) -> int | None:
    """Whole seconds since ``at``, never negative; None when there is no time."""
    return None if at is None else max(0, int((now - at).total_seconds()))


def age_words(seconds: int | None) -> str:
    """An age as the board reads it: "40 s", "7 min", "2 h 5 min"; "never" for none."""
    if seconds is None:
        return "never"
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"
