"""What the posts have said: the open incident, the latest report per post and its age."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster.errors import NotFound
from muster.incidents.enums import IncidentStatus
from muster.incidents.models import Incident
from muster.logistics.custody import chain_of_custody
from muster.logistics.models import Custody, Item, Unit
from muster.policy.actor import Actor
from muster.policy.authorize import authorize
from muster.posts.models import ForceUse, PostReport
from muster.posts.rules import authorize_read

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


@dataclass(frozen=True)
class WeaponRecord:
    """A weapon's chain of custody with, beside it, the force it was used in."""

    unit: Unit
    item: Item
    chain: list[Custody]
    force: list[ForceUse]


def weapon_record(session: Session, *, ref: str, actor: Actor) -> WeaponRecord:
    """The weapon a unit id or serial names, for one who may read custody and the posts'
    reports (both asked before any lookup)."""
    authorize(actor, "logistics.read")
    authorize_read(actor)
    found = session.execute(
        select(Unit, Item)
        .join(Item, Item.id == Unit.item_id)
        .where((Unit.id == ref) | (Unit.serial == ref))
    ).all()
    if len(found) != 1:
        what = "more than one unit has" if found else "no weapon with"
        raise NotFound(f"{what} serial or id {ref!r}; give the unit's id")
    unit, item = found[0]
    return WeaponRecord(
        unit, item, chain_of_custody(session, unit.id), force_with_unit(session, unit.id)
    )


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
