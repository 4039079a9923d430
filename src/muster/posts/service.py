"""Post reports: a guard reports her post's situation; each report is on the record.

``file_report`` is the one use case every path reports through (API, console, CLI,
handset, exercise). It authorizes first (a guard only for her own post), then records the
report linked to the post, its portal and the open incident, the force it names, and
answers any status check the station sent the quiet post.
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster import clock
from muster.errors import Conflict, Invalid
from muster.events.service import append_event
from muster.places.models import Post
from muster.policy.actor import Actor
from muster.posts.enums import PostStatus
from muster.posts.force import record_force
from muster.posts.models import ForceUse, PostReport
from muster.posts.quiet import answer_status_checks
from muster.posts.reading import force_of_reports, open_incident
from muster.posts.rules import REPORT, authorize_at_post
from muster.posts.schemas import ReportCreate


def report_summary(post: Post, report: PostReport) -> str:
    """The report in one line of the record, as the incident log reads it."""
    parts = [f"{post.name}: {PostStatus(report.status).words}."]
    seen = [
        f"{n} {what}"
        for n, what in (
            (report.visitors_seen, "visitors"),
            (report.residents_seen, "residents"),
            (report.armed_seen, "armed"),
        )
        if n
    ]
    if seen:
        parts.append("Seen: " + ", ".join(seen) + ".")
    station = _casualties(report.station_dead, report.station_wounded)
    visiting = _casualties(report.visitors_dead, report.visitors_wounded)
    if station or visiting:
        sides = [
            f"station {station}" if station else "",
            f"visitors {visiting}" if visiting else "",
        ]
        parts.append("Casualties seen: " + "; ".join(s for s in sides if s) + ".")
    if report.text:
        parts.append(report.text)
    return " ".join(parts)


def _casualties(dead: int, wounded: int) -> str:
    return ", ".join(
        s for s in (f"{dead} dead" if dead else "", f"{wounded} wounded" if wounded else "") if s
    )


def request_hash(data: ReportCreate) -> str:
    """A fingerprint of what was reported, to tell a retry from another report."""
    canonical = json.dumps(data.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replayed(
    session: Session, *, post: Post, key: str, fingerprint: str
) -> tuple[PostReport, list[ForceUse]] | None:
    """The report a retried ``Idempotency-Key`` already filed; Conflict if it was another."""
    found = session.scalar(
        select(PostReport).where(PostReport.post_id == post.id, PostReport.idempotency_key == key)
    )
    if found is None:
        return None
    if found.request_hash != fingerprint:
        raise Conflict(
            "this Idempotency-Key was already used for another report from this post; "
            "use a new key for a new report"
        )
    return found, force_of_reports(session, [found.id])[found.id]


def file_report(
    session: Session,
    *,
    post_ref: str,
    data: ReportCreate,
    actor: Actor,
    idempotency_key: str | None = None,
) -> tuple[PostReport, list[ForceUse]]:
    """Report the situation at the post ``post_ref`` (id or name), as ``actor``.

    A retry with the same ``idempotency_key`` returns the first report and records nothing.
    """
    post = authorize_at_post(session, actor=actor, action=REPORT, post_ref=post_ref)
    fingerprint = request_hash(data)
    if idempotency_key:
        replay = _replayed(session, post=post, key=idempotency_key, fingerprint=fingerprint)
        if replay is not None:
            return replay
    if data.status is PostStatus.FORCE_USED and not data.force:
        raise Invalid(
            "a report of force used names who used it, against whom and the outcome: add "
            "at least one entry under 'force'"
        )
    incident = open_incident(session)
    now = clock.now()
    report = PostReport(
        post_id=post.id,
        portal_id=post.portal_id,
        incident_id=incident.id if incident else None,
        status=data.status,
        visitors_seen=data.visitors,
        residents_seen=data.residents,
        armed_seen=data.armed,
        station_dead=data.station_dead,
        station_wounded=data.station_wounded,
        visitors_dead=data.visitors_dead,
        visitors_wounded=data.visitors_wounded,
        text=data.text,
        reported_by=actor.label,
        reporter_person_id=actor.person_id,
        reported_at=now,
        idempotency_key=idempotency_key or None,
        request_hash=fingerprint,
    )
    session.add(report)
    session.flush()
    append_event(
        session,
        kind="posts.report.filed",
        actor=actor,
        subjects=[report.id, post.id, post.portal_id or "", report.incident_id or ""],
        payload={
            "summary": report_summary(post, report),
            "report_id": report.id,
            "post_id": post.id,
            "post": post.name,
            "portal_id": post.portal_id,
            "incident_id": report.incident_id,
            "status": data.status.value,
            "seen": {"visitors": data.visitors, "residents": data.residents, "armed": data.armed},
            "casualties": {
                "station": {"dead": data.station_dead, "wounded": data.station_wounded},
                "visiting": {"dead": data.visitors_dead, "wounded": data.visitors_wounded},
            },
            "text": data.text,
        },
    )
    force = [
        record_force(session, report=report, post=post, data=entry, at=now, actor=actor)
        for entry in data.force
    ]
    answer_status_checks(session, post=post, report=report, actor=actor)
    return report, force
