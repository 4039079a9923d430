"""The posts' part of a situation report: their latest reports and the force used.

Called by ``incidents.sitrep.compute_figures`` (one call), so a published report freezes
what the posts had said by then, computed from the record like every other figure.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster.logistics.models import Item, Unit
from muster.people.models import Person
from muster.places.models import Post
from muster.posts.enums import PostStatus
from muster.posts.models import HelpRequest, PostReport
from muster.posts.reading import force_in_incident, latest_reports


def post_figures(session: Session, *, incident_id: str) -> dict[str, Any]:
    """Figures of the posts during the incident: reports, help calls, force used, by post."""
    reports = session.scalar(select(func.count()).where(PostReport.incident_id == incident_id)) or 0
    help_calls = (
        session.scalar(select(func.count()).where(HelpRequest.incident_id == incident_id)) or 0
    )
    force = force_in_incident(session, incident_id)
    names = dict(session.execute(select(Post.id, Post.name)).all())
    named = {f.used_by_person_id for f in force} | {p for f in force for p in f.against_person_ids}
    people = dict(session.execute(select(Person.id, Person.name).where(Person.id.in_(named))).all())
    weapons = {
        unit_id: f"{item} {serial}"
        for unit_id, item, serial in session.execute(
            select(Unit.id, Item.name, Unit.serial)
            .join(Item, Item.id == Unit.item_id)
            .where(Unit.id.in_([f.unit_id for f in force if f.unit_id]))
        )
    }
    latest = [r for r in latest_reports(session).values() if r.incident_id == incident_id]
    return {
        "posts": {
            "reports": int(reports),
            "help_calls": int(help_calls),
            "force_used": len(force),
            "latest": [
                {
                    "post": names.get(r.post_id, r.post_id),
                    "status": r.status.value,
                    "status_words": PostStatus(r.status).words,
                    "reported_at": r.reported_at.isoformat(),
                    "visitors_seen": r.visitors_seen,
                    "residents_seen": r.residents_seen,
                    "armed_seen": r.armed_seen,
                }
                for r in sorted(latest, key=lambda r: names.get(r.post_id, ""))
            ],
            "force": [
                {
                    "post": names.get(f.post_id, f.post_id),
                    "used_by": people.get(f.used_by_person_id, f.used_by_person_id),
                    "against": sorted(people.get(p, p) for p in f.against_person_ids),
                    "against_count": f.against_count,
                    "unit_id": f.unit_id,
                    "weapon": weapons.get(f.unit_id) if f.unit_id else None,
                    "means": f.means,
                    "outcome": f.outcome,
                    "at": f.used_at.isoformat(),
                }
                for f in force
            ],
        }
    }


def post_figure_lines(figures: dict[str, Any]) -> list[str]:
    """The posts' figures as plain lines of a report's export."""
    posts = figures.get("posts")
    if not isinstance(posts, dict):
        return []
    lines = [
        f"Post reports: {posts.get('reports', 0)}; calls for help: {posts.get('help_calls', 0)}; "
        f"force used: {posts.get('force_used', 0)}"
    ]
    for row in posts.get("latest", []):
        lines.append(f"  {row['post']}: {row['status_words']} at {row['reported_at'][11:19]}")
    for row in posts.get("force", []):
        lines.append(f"  {force_line(row)}")
    return lines


def force_line(row: dict[str, Any]) -> str:
    """One use of force as a report's line: by whom, against whom, with what, the outcome.

    Reports published before names and weapons were kept give the count and the means."""
    names = list(row.get("against") or [])
    count = int(row.get("against_count") or 0)
    against = ", ".join(names) or f"{count} persons"
    if names and count > len(names):
        against = f"{against} ({count} persons in all)"
    means = row.get("weapon") or row.get("means")
    what = f" with {means}" if means else ""
    return f"Force at {row['post']} by {row['used_by']} against {against}{what}: {row['outcome']}"
