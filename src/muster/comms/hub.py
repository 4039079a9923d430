"""Live fan-out to handsets: one reader of the event log per process, many sockets.

The hub follows the event bus once for the whole process and hands each comms event to
the connected handsets of the persons it names, as one pre-encoded JSON frame. Handsets
report delivery back; the hub writes those reports in batches.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import weakref
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from muster.comms.enums import RecipientReason
from muster.comms.escalation import resent_to
from muster.comms.models import Recipient, VoiceClip
from muster.comms.service import mark_delivered_many
from muster.db import Database
from muster.events.bus import get_bus
from muster.events.service import event_to_dict, events_after, last_seq
from muster.policy.actor import Actor

log = logging.getLogger(__name__)
MESSAGE_KINDS = frozenset(
    {
        "comms.message.sent",
        "comms.rollcall.started",
        "comms.message.resent",
        "comms.message.escalated",
    }
)
FLOOR_PREFIX = "comms.floor."
INLINE_CLIP_BYTES = 512_000
DELIVERY_FLUSH_SECONDS = 0.2
HANDSET_ACTOR = Actor.system("handsets")


def clip_url(clip_id: str) -> str:
    """Where a voice clip can be fetched."""
    return f"/api/v1/comms/clips/{clip_id}"


def message_frame(
    payload: dict[str, Any], *, cursor: int, reason: str, clip: VoiceClip | None
) -> dict[str, Any]:
    """The handset frame of a message: the wire form, its cursor, and the clip inline if small."""
    drop = ("recipients", "recipient_count", "silent", "silent_count")
    frame = {k: v for k, v in payload.items() if k not in drop}
    frame.update(type="message", cursor=cursor, reason=reason)
    if frame.get("clip_id"):
        frame["clip_url"] = clip_url(str(frame["clip_id"]))
        if clip is not None and clip.size <= INLINE_CLIP_BYTES:
            frame["clip_mime"] = clip.mime
            frame["clip_data"] = base64.b64encode(clip.data).decode()
    return frame


FrameKey = tuple[str, int]
"""A message frame's identity: the message id and the cursor (event seq) it came with."""


@dataclass(eq=False)
class Listener:
    """One connected handset: its person and the frames waiting to be sent.

    Each frame is queued as (its key or None, its encoded text): the handset drops a live
    frame its catch-up already carried by key, without decoding the text.
    """

    person_id: str
    channel_ids: frozenset[str] | None = None  # a handset token's binding: only these channels
    queue: asyncio.Queue[tuple[FrameKey | None, str]] = field(default_factory=asyncio.Queue)
    offered: set[str] = field(default_factory=set)  # message ids sent, that it may report

    def hears(self, channel_id: object) -> bool:
        """True if frames of ``channel_id`` may go to this handset."""
        return self.channel_ids is None or channel_id in self.channel_ids


class HandsetHub:
    """Per-process registry of connected handsets and the task feeding them."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.listeners: dict[str, set[Listener]] = defaultdict(set)
        self._task: asyncio.Task[None] | None = None
        self._flush_task: asyncio.Task[None] | None = None
        self._deliveries: dict[str, set[str]] = defaultdict(set)

    def ensure_running(self) -> None:
        """Start the follower and the delivery writer on the running loop, once."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._follow())
        if self._flush_task is None or self._flush_task.done():
            self._flush_task = asyncio.create_task(self._flush_deliveries())

    async def stop(self) -> None:
        """Stop the hub's tasks (writing any delivery reports still pending)."""
        for task in (self._task, self._flush_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await run_in_threadpool(self.write_deliveries)

    def add(self, listener: Listener) -> None:
        """Register a handset for its person's frames."""
        self.listeners[listener.person_id].add(listener)

    def remove(self, listener: Listener) -> None:
        """Forget a handset that disconnected."""
        group = self.listeners.get(listener.person_id)
        if group is not None:
            group.discard(listener)
            if not group:
                del self.listeners[listener.person_id]

    def report_delivered(self, message_id: str, person_id: str) -> None:
        """Queue a delivery report; written with others in one transaction shortly."""
        self._deliveries[message_id].add(person_id)

    def _send(
        self, person_ids: list[str], text: str, channel_id: object, key: FrameKey | None = None
    ) -> None:
        entry = (key, text)
        for pid in person_ids:
            for listener in self.listeners.get(pid, ()):
                if not listener.hears(channel_id):
                    continue
                if key is not None:
                    listener.offered.add(key[0])
                listener.queue.put_nowait(entry)

    def _recipients(self, message_id: str, kind: str) -> list[str]:
        query = select(Recipient.person_id).where(Recipient.message_id == message_id)
        if kind == "comms.message.resent":
            query = query.where(
                Recipient.reason == RecipientReason.ADDRESSED, Recipient.acked_at.is_(None)
            )
        with self.db.session_scope(write=False) as session:
            ids = list(session.scalars(query))
            return resent_to(session, ids) if kind == "comms.message.resent" else ids

    def _load_clip(self, clip_id: str) -> VoiceClip | None:
        with self.db.session_scope(write=False) as session:
            return session.get(VoiceClip, clip_id)

    async def dispatch(self, item: dict[str, Any]) -> None:
        """Hand one committed event to the handsets it concerns."""
        kind = str(item["kind"])
        payload: dict[str, Any] = item["payload"]
        if kind in MESSAGE_KINDS:
            named: list[str] | None = payload.get("recipients")
            if named is None:  # a large audience: read who from the database
                named = await run_in_threadpool(self._recipients, str(payload["id"]), kind)
            targets = [p for p in named if p in self.listeners]
            if not targets:
                return
            clip = None
            if payload.get("clip_id"):
                clip = await run_in_threadpool(self._load_clip, str(payload["clip_id"]))
            cursor = int(item["seq"])
            frame = message_frame(payload, cursor=cursor, reason=kind, clip=clip)
            self._send(
                targets, json.dumps(frame), payload.get("channel_id"), (str(payload["id"]), cursor)
            )
        elif kind == "comms.escalation.sender_alerted":
            sender = payload.get("sender_person_id")
            if sender:
                frame = {"type": "alert", "cursor": item["seq"], **payload}
                self._send([sender], json.dumps(frame), payload.get("channel_id"))
        elif kind.startswith(FLOOR_PREFIX):
            frame = {"type": "floor", "event": kind.removeprefix(FLOOR_PREFIX), **payload}
            self._send(list(self.listeners), json.dumps(frame), payload.get("channel_id"))

    def _read_after(self, seq: int) -> list[dict[str, Any]]:
        with self.db.session_scope(write=False) as session:
            return [event_to_dict(r) for r in events_after(session, seq=seq, limit=500)]

    def _tail(self) -> int:
        with self.db.session_scope(write=False) as session:
            return last_seq(session)

    async def _follow(self) -> None:
        bus = get_bus(str(self.db.engine.url))  # the same key the event log publishes on
        cursor = await run_in_threadpool(self._tail)
        last_hash: str | None = None  # memory is trusted only once it links to what we read
        while True:
            try:
                batch = bus.recent_after(cursor, 500, last_hash=last_hash)
                if last_hash is None or not batch:
                    batch = await run_in_threadpool(self._read_after, cursor)
                for item in batch:
                    cursor, last_hash = int(item["seq"]), str(item["hash"])
                    if str(item["kind"]).startswith("comms."):
                        await self.dispatch(item)
                if not batch and bus.latest_seq > cursor:
                    await asyncio.sleep(0.05)  # the bus knows of a log that was reset; poll
                elif len(batch) < 500:
                    await bus.wait(cursor, 5.0)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("handset hub failed to read the log; retrying")
                await asyncio.sleep(1.0)

    def write_deliveries(self) -> None:
        """Write the delivery reports gathered so far, in one transaction."""
        pending, self._deliveries = self._deliveries, defaultdict(set)
        if not pending:
            return
        with self.db.session_scope() as session:
            for message_id, persons in pending.items():
                mark_delivered_many(
                    session, message_id=message_id, person_ids=sorted(persons), actor=HANDSET_ACTOR
                )

    async def _flush_deliveries(self) -> None:
        while True:
            await asyncio.sleep(DELIVERY_FLUSH_SECONDS)
            try:
                await run_in_threadpool(self.write_deliveries)
            except Exception:
                log.exception("could not record handset deliveries; they will be re-reported")


# One hub per database and event loop, held weakly by both: an ``id()`` is reused once
# its object is gone, and a hub keyed by a dead loop's id never ran on the new loop.
_hubs: weakref.WeakKeyDictionary[
    Database, weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, HandsetHub]
] = weakref.WeakKeyDictionary()


def hub_for(db: Database) -> HandsetHub:
    """The hub of ``db`` on the running loop (one per database and loop, started on first use)."""
    loop = asyncio.get_running_loop()
    per_loop = _hubs.get(db)
    if per_loop is None:
        per_loop = _hubs[db] = weakref.WeakKeyDictionary()
    hub = per_loop.get(loop)
    if hub is None:
        hub = per_loop[loop] = HandsetHub(db)
    hub.ensure_running()
    return hub
