"""The posts' part of a situation report: their latest reports and the force used.

Called by ``incidents.sitrep.compute_figures`` (one call), so a published report freezes
what the posts had said by then, computed from the record like every other figure.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

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
    people = dict(
        session.execute(
            select(Person.id, Person.name).where(
                Person.id.in_([f.used_by_person_id for f in force])
            )
        ).all()
    )
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
                    "against_count": f.against_count,
                    "unit_id": f.unit_id,
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
        lines.append(
            f"  Force at {row['post']} by {row['used_by']} against {row['against_count']}: "
            f"{row['outcome']}"
        )
    return lines
