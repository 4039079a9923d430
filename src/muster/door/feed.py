"""What a door controller's replica is fed: events and row versions after its cursors.

The door follows two hash chains: the event log (``seq``) and the row versions
(``n``), which carry the after-state of every row the decisions read. One read gives the
events after the door's ``seq`` and then the row versions after its ``n``; because the
rows are read after the events, every row written by a transaction whose events were
returned is in the answer unless the answer says it was cut short (``complete`` false).

Only the tables a decision reads leave the server with their contents; the others (the
accounts, tokens, screenings, ...) are sent as their hashes alone, so the door can check
each link of both chains without learning what it does not need. So are the events the
door's account may not read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.door.health import note_feed_read
from muster.events.checkpoints import latest_checkpoint
from muster.events.models import RowVersion
from muster.events.service import event_to_dict, events_after, last_seq
from muster.events.visibility import hidden_kinds, is_visible
from muster.policy.actor import Actor
from muster.policy.authorize import DOOR_FEED, authorize

# The tables whose rows ``muster.access.facts.load_request`` reads, and nothing more.
REPLICATED_TABLES = (
    "parties",
    "persons",
    "zones",
    "portals",
    "presence",
    "holds",
    "duty_passes",
    "visit_authorizations",
    "consent_cases",
    "welfare_checkups",
    "policy_versions",
)
_REPLICATED = frozenset(REPLICATED_TABLES)
MAX_EVENTS = 2000
MAX_ROWS = 5000


@dataclass(frozen=True)
class Feed:
    """One answer to a door: what follows its cursors, the head, the newest checkpoint."""

    events: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    head: int
    complete: bool
    checkpoint: dict[str, Any] | None

    def as_dict(self) -> dict[str, Any]:
        """The wire form."""
        return {
            "events": self.events,
            "rows": self.rows,
            "head": self.head,
            "complete": self.complete,
            "checkpoint": self.checkpoint,
        }


def _event_out(item: dict[str, Any], hidden: tuple[str, ...]) -> dict[str, Any]:
    if is_visible(str(item["kind"]), hidden):
        return item
    return {"seq": item["seq"], "prev_hash": item["prev_hash"], "hash": item["hash"]}


def _row_out(row: RowVersion) -> dict[str, Any]:
    out: dict[str, Any] = {
        "n": row.n,
        "seq": row.seq,
        "table": row.table_name,
        "key": row.row_key,
        "prev_hash": row.prev_hash,
        "hash": row.hash,
    }
    if row.table_name in _REPLICATED:
        out["image"] = row.image
    return out


def read_feed(
    session: Session,
    *,
    after_seq: int,
    after_n: int,
    actor: Actor,
    max_events: int = MAX_EVENTS,
    max_rows: int = MAX_ROWS,
) -> Feed:
    """The events after ``after_seq`` and the row versions after ``after_n``, in order."""
    authorize(actor, DOOR_FEED)
    hidden = hidden_kinds(actor)
    head = last_seq(session)
    note_feed_read(session, actor, cursor=after_seq, head=head)
    events = [
        _event_out(event_to_dict(e), hidden)
        for e in events_after(session, seq=after_seq, limit=max_events)
    ]
    rows = list(
        session.scalars(
            select(RowVersion)
            .where(RowVersion.n > after_n)
            .order_by(RowVersion.n)
            .limit(max_rows + 1)
        )
    )
    complete = len(events) < max_events and len(rows) <= max_rows
    signed = latest_checkpoint(session)
    return Feed(
        events=events,
        rows=[_row_out(r) for r in rows[:max_rows]],
        head=max(head, events[-1]["seq"] if events else 0),
        complete=complete,
        checkpoint=signed.to_dict() if signed else None,
    )
