"""The commander's board: every post, its status in words and colour, the age of its last
report, its counts; calls for help first, then quiet posts, then the gravest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.comms.models import Message
from muster.places.models import Portal, Post
from muster.posts.enums import PostStatus
from muster.posts.models import HelpRequest, PostReport
from muster.posts.quiet import is_quiet, silent_since
from muster.posts.reading import age_seconds, age_words, latest_reports, open_incident
from muster.posts.settings import PostsSettings, get_posts_settings

GRAVITY = {"red": 0, "amber": 1, "green": 2, "grey": 3}


@dataclass(frozen=True)
class BoardRow:
    """One post on the board."""

    post_id: str
    post: str
    portal: str
    report: PostReport | None
    age_seconds: int | None
    quiet: bool
    help_open: bool

    @property
    def status(self) -> PostStatus | None:
        """The last reported status, if the post ever reported."""
        return PostStatus(self.report.status) if self.report else None

    @property
    def words(self) -> str:
        """The status in words, with quiet and help said first."""
        said = self.status.words if self.status else "No report yet"
        if self.quiet:
            said = f"Quiet post: no report for {age_words(self.age_seconds)}. Last: {said}"
        if self.help_open:
            said = f"Help needed. {said}"
        return said

    @property
    def colour(self) -> str:
        """red, amber, green, or grey for a post that never reported."""
        if self.help_open:
            return "red"
        if self.quiet:
            return "amber" if self.status is None or self.status.colour == "green" else "red"
        return self.status.colour if self.status else "grey"

    @property
    def age(self) -> str:
        """The age of the last report in words."""
        return age_words(self.age_seconds)


def open_help_posts(session: Session) -> set[str]:
    """Posts whose call for help has not been answered by everyone paged."""
    query = (
        select(HelpRequest.post_id)
        .join(Message, Message.id == HelpRequest.message_id)
        .where(Message.closed_at.is_(None))
    )
    return set(session.scalars(query))


def post_board(
    session: Session, *, now: datetime, settings: PostsSettings | None = None
) -> list[BoardRow]:
    """Every post as the board shows it now."""
    settings = settings or get_posts_settings()
    posts = session.execute(
        select(Post, Portal.name).outerjoin(Portal, Portal.id == Post.portal_id).order_by(Post.name)
    ).all()
    latest = latest_reports(session)
    helping = open_help_posts(session)
    incident = open_incident(session)
    rows = []
    for post, portal_name in posts:
        report = latest.get(post.id)
        quiet = False
        if incident is not None:
            quiet = is_quiet(silent_since(report, incident), now=now, settings=settings)
        rows.append(
            BoardRow(
                post_id=post.id,
                post=post.name,
                portal=portal_name or "",
                report=report,
                age_seconds=age_seconds(report.reported_at if report else None, now),
                quiet=quiet,
                help_open=post.id in helping,
            )
        )
    rows.sort(key=lambda r: (not r.help_open, not r.quiet, GRAVITY[r.colour], r.post))
    return rows
