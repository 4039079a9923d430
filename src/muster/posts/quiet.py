"""Quiet posts: during an open incident, a post silent too long is asked for a status check.

``run_quiet_posts`` is a timed job (``muster.scheduler``): for each post with someone
assigned that has not reported for ``quiet_minutes`` (counted from the incident's start
when it never has), the station sends it one status check through comms, an order that
needs acknowledging. Silence from there is the comms escalation's (``comms.escalation``):
re-sent, the sender alerted, the chain of command told one rank per deadline, as for any
silent order. A report from the post answers the check (and acknowledges it for the post).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.comms.enums import ChannelKind
from muster.comms.groups import PostsRule, resolve_rule, rule_to_dict
from muster.comms.models import Channel, Message, Recipient
from muster.comms.rules import ACKNOWLEDGE
from muster.comms.service import acknowledge, create_channel, send_message
from muster.events.service import append_event
from muster.incidents.models import Incident
from muster.places.models import Post, PostAssignment
from muster.policy.actor import Actor
from muster.policy.authorize import is_allowed
from muster.posts.models import PostReport, StatusCheck
from muster.posts.reading import age_words, latest_reports, open_incident
from muster.posts.settings import PostsSettings, get_posts_settings

STATION = Actor.system("posts-quiet")


@dataclass(frozen=True)
class QuietPost:
    """A post silent since ``since`` (its last report, or the incident's start)."""

    post: Post
    since: datetime


def silent_since(report: PostReport | None, incident: Incident) -> datetime:
    """Since when a post has said nothing during the incident."""
    if report is None or report.reported_at < incident.declared_at:
        return incident.declared_at
    return report.reported_at


def is_quiet(since: datetime, *, now: datetime, settings: PostsSettings) -> bool:
    """True when ``since`` is at least the quiet time ago."""
    return now - since >= timedelta(minutes=settings.quiet_minutes)


def quiet_posts(
    session: Session, *, incident: Incident, now: datetime, settings: PostsSettings
) -> list[QuietPost]:
    """Posts with someone assigned that have been silent for the quiet time, by name."""
    staffed = select(PostAssignment.post_id).distinct()
    posts = list(session.scalars(select(Post).where(Post.id.in_(staffed)).order_by(Post.name)))
    latest = latest_reports(session, [p.id for p in posts])
    found = []
    for post in posts:
        since = silent_since(latest.get(post.id), incident)
        if is_quiet(since, now=now, settings=settings):
            found.append(QuietPost(post, since))
    return found


def last_check(session: Session, post_id: str) -> tuple[StatusCheck, bool] | None:
    """The post's latest status check still waiting for a report, and whether its order is
    still open (not yet acknowledged by everyone at the post)."""
    query = (
        select(StatusCheck, Message.closed_at)
        .join(Message, Message.id == StatusCheck.message_id)
        .where(StatusCheck.post_id == post_id, StatusCheck.answered_at.is_(None))
        .order_by(StatusCheck.asked_at.desc())
        .limit(1)
    )
    found = session.execute(query).first()
    return None if found is None else (found[0], found[1] is None)


def status_channel(session: Session, post: Post) -> Channel:
    """The channel the station asks the post on: everyone assigned to it when sent.

    Only a channel of that rule is used: one someone else made with its name but another
    rule (one officer, everyone) would carry the check past the post's guards, who would
    never be asked. The station's then takes the next free name.
    """
    stem = f"Status checks: {post.name}"
    wanted = rule_to_dict(PostsRule(post_id=post.id))
    named = select(Channel).where(
        (Channel.name == stem) | Channel.name.startswith(f"{stem} (", autoescape=True),
        Channel.archived_at.is_(None),
    )
    for found in session.scalars(named.order_by(Channel.created_at, Channel.id)):
        if found.rule == wanted and found.kind is ChannelKind.GROUP:
            return found
    name, number = stem, 1
    while session.scalar(select(Channel.id).where(Channel.name == name)):
        number += 1
        name = f"{stem} ({number})"
    return create_channel(
        session,
        name=name,
        kind=ChannelKind.GROUP,
        rule=PostsRule(post_id=post.id),
        actor=STATION,
        description=f"The station's status checks of {post.name} when it goes quiet.",
    )


def ask_status(
    session: Session,
    *,
    quiet: QuietPost,
    incident: Incident,
    now: datetime,
    settings: PostsSettings,
) -> StatusCheck | None:
    """Send one status check to a quiet post; None when no one there can be reached."""
    post = quiet.post
    if not resolve_rule(session, PostsRule(post_id=post.id)):
        return None  # everyone assigned is dead, archived or of the visiting party
    silent = age_words(int((now - quiet.since).total_seconds()))
    channel = status_channel(session, post)
    message = send_message(
        session,
        channel_id=channel.id,
        precedence=settings.status_check_precedence,
        text=f"Status check: {post.name} has not reported for {silent}. Report the post's "
        "situation now.",
        requires_ack=True,
        actor=STATION,
    )
    check = StatusCheck(
        post_id=post.id, incident_id=incident.id, message_id=message.id, asked_at=now
    )
    session.add(check)
    session.flush()
    append_event(
        session,
        kind="posts.post.quiet",
        actor=STATION,
        subjects=[check.id, post.id, post.portal_id or "", incident.id, message.id],
        payload={
            "summary": f"{post.name} has not reported for {silent}; the station asked it "
            "for a status check.",
            "post_id": post.id,
            "incident_id": incident.id,
            "message_id": message.id,
            "silent_since": quiet.since,
        },
    )
    return check


def run_quiet_posts(session: Session, *, now: datetime) -> int:
    """The timed job: ask each newly quiet post for a status check; return how many asked."""
    incident = open_incident(session)
    if incident is None:
        return 0
    settings = get_posts_settings()
    asked = 0
    for quiet in quiet_posts(session, incident=incident, now=now, settings=settings):
        check = last_check(session, quiet.post.id)
        if check is not None:
            row, still_open = check
            if still_open:
                continue  # already asked; the comms escalation carries its silence
            if not is_quiet(row.asked_at, now=now, settings=settings):
                continue  # acknowledged without a report: ask again after the quiet time
        if ask_status(session, quiet=quiet, incident=incident, now=now, settings=settings):
            asked += 1
    return asked


def answer_status_checks(
    session: Session, *, post: Post, report: PostReport, actor: Actor
) -> list[StatusCheck]:
    """A report answers the post's open status checks, and acknowledges them for the post
    (when the reporter may acknowledge: a token scoped to reports only still reports)."""
    rows = list(
        session.scalars(
            select(StatusCheck).where(
                StatusCheck.post_id == post.id, StatusCheck.answered_at.is_(None)
            )
        )
    )
    for check in rows:
        check.answered_at = report.reported_at
        check.report_id = report.id
        at_post = session.scalar(
            select(Recipient.person_id)
            .where(Recipient.message_id == check.message_id, Recipient.post_id == post.id)
            .limit(1)
        )
        if at_post is not None and is_allowed(actor, ACKNOWLEDGE):
            acknowledge(session, message_id=check.message_id, actor=actor, post_id=post.id)
    return rows
