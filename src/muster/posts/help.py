"""Help needed: one tap at a post pages the commander and the post's officers at flash.

The page goes through comms as any flash order does: recorded per recipient, delivered to
their handsets and consoles, acknowledged, and escalated while unanswered. Who is paged is
the comms chain of command (the station's staff by their accounts, alive, not in a
hospital bed, never of the visiting party, P6): everyone at its top rank, and the
officers assigned to the post. The post's last report goes with it. A guard may call for
help only from her own post (``post.help``); that rule, not command authority, is what
lets her send at flash.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster import clock
from muster.comms.channels import open_channel_for
from muster.comms.enums import ChannelKind, Precedence
from muster.comms.escalation import chain_of_command, rank_of
from muster.comms.groups import AnyOfRule, PersonRule
from muster.comms.models import Channel
from muster.comms.service import record_message
from muster.comms.settings import get_comms_settings
from muster.errors import Conflict
from muster.events.service import append_event
from muster.places.models import Post
from muster.policy.actor import Actor
from muster.posts.models import HelpRequest
from muster.posts.reading import latest_report, open_incident
from muster.posts.rules import HELP, authorize_at_post
from muster.posts.service import report_summary

MOST_PAGED = 20  # a membership rule names at most 20 persons


def paged_for(session: Session, post: Post, *, caller: str | None) -> list[str]:
    """Person ids to page for help at ``post``: the top rank, then the post's officers."""
    chain = get_comms_settings().chain_of_command
    officer = rank_of(["officer"], chain)
    staff = [s for s in chain_of_command(session, chain) if s.person_id != caller]
    top = [s.person_id for s in staff if s.rank == 0]
    officers = [s.person_id for s in staff if 0 < s.rank <= officer and post.id in s.posts]
    return list(dict.fromkeys([*top, *officers]))[:MOST_PAGED]


def _free_channel_name(session: Session, stem: str, number: int) -> str:
    """``stem (number)``, or the next number no channel is named with: a channel someone
    made with that name must not stop a call for help."""
    while session.scalar(select(Channel.id).where(Channel.name == f"{stem} ({number})")):
        number += 1
    return f"{stem} ({number})"


def request_help(session: Session, *, post_ref: str, actor: Actor, text: str = "") -> HelpRequest:
    """Page the commander and the post's officers at flash, the last report attached."""
    post = authorize_at_post(session, actor=actor, action=HELP, post_ref=post_ref)
    paged = paged_for(session, post, caller=actor.person_id)
    if not paged:
        raise Conflict(
            f"no commander or officer of the station can be paged for {post.name} now; "
            "call the command deck by voice"
        )
    last = latest_report(session, post.id)
    incident = open_incident(session)
    number = (session.scalar(select(func.count()).where(HelpRequest.post_id == post.id)) or 0) + 1
    channel = open_channel_for(
        session,
        name=_free_channel_name(session, f"Help: {post.name}", number),
        kind=ChannelKind.GROUP,
        rule=AnyOfRule(rules=[PersonRule(person_id=p) for p in paged]),
        actor=actor,  # the one calling for help, who was authorized for it (P5)
        incident_id=incident.id if incident else None,
        description=f"Call for help number {number} from {post.name}.",
    )
    words = [f"Help needed at {post.name}, called by {actor.label}."]
    if text:
        words.append(text)
    if last is not None:
        words.append(f"Last report, {last.reported_at:%H:%M:%S}: {report_summary(post, last)}")
    else:
        words.append("The post has not reported yet.")
    message = record_message(
        session,
        channel=channel,
        precedence=Precedence.FLASH,
        text=" ".join(words),
        actor=actor,
        requires_ack=True,
    )
    row = HelpRequest(
        post_id=post.id,
        incident_id=incident.id if incident else None,
        report_id=last.id if last else None,
        message_id=message.id,
        requested_by=actor.label,
        requested_at=clock.now(),
    )
    session.add(row)
    session.flush()
    append_event(
        session,
        kind="posts.help.requested",
        actor=actor,
        subjects=[row.id, post.id, post.portal_id or "", row.incident_id or "", message.id, *paged],
        payload={
            "summary": f"Help needed at {post.name}, called by {actor.label}; "
            f"{len(paged)} paged at flash.",
            "help_id": row.id,
            "post_id": post.id,
            "incident_id": row.incident_id,
            "report_id": row.report_id,
            "message_id": message.id,
            "paged": paged,
            "text": text,
        },
    )
    return row
