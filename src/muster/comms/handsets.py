"""The handset WebSocket: text, push-to-talk clips, floor control, acknowledgements, catch-up.

Frames are JSON. A handset connects to ``/api/v1/handsets/ws?token=...&after=N`` (or with
the console cookie), gets a ``hello`` with the channels, then everything addressed to its
person that it missed (after cursor ``N``, or never delivered), then live frames.

The ``hello`` and every ``pong`` carry the record's newest signed checkpoint
(``checkpoint``, null before the first), and the handset keeps the ones it sees: a copy of
the record's head outside the database (``muster audit verify --checkpoint``).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from muster import clock
from muster.auth.service import token_actor, web_session_actor
from muster.comms.enums import Precedence
from muster.comms.floor import release_floor, request_floor
from muster.comms.hub import FrameKey, Listener, hub_for, message_frame
from muster.comms.models import VoiceClip
from muster.comms.reading import admit_handset, channels_for
from muster.comms.service import (
    acknowledge,
    mark_read,
    message_wire,
    missed_messages,
    send_message,
    store_clip,
)
from muster.comms.settings import get_comms_settings
from muster.db import Database
from muster.errors import DomainError, Forbidden, Invalid
from muster.events.chain import jsonable
from muster.events.checkpoints import latest_checkpoint
from muster.policy.actor import Actor
from muster.posts.rules import handset_posts
from muster.web.deps import SESSION_COOKIE

POLICY_VIOLATION = 1008


def handset_actor(db: Database, *, token: str | None, cookie: str | None) -> Actor:
    """The person behind a handset connection, from its token or console cookie."""
    with db.session_scope(write=False) as session:
        if token:
            actor = token_actor(session, token)
        elif cookie and (found := web_session_actor(session, cookie)) is not None:
            actor = found[0]
        else:
            raise Forbidden("a handset must sign in: add ?token=<API token> or sign in first")
    admit_handset(actor)
    return actor


def _signed(session: Session) -> dict[str, Any] | None:
    found = latest_checkpoint(session)
    return found.to_dict() if found is not None else None


def _pong(db: Database) -> dict[str, Any]:
    with db.session_scope(write=False) as session:
        return {"type": "pong", "checkpoint": _signed(session)}


def _hello_and_missed(db: Database, actor: Actor, after: int) -> list[dict[str, Any]]:
    with db.session_scope(write=False) as session:
        channels, _ = channels_for(session, actor=actor, limit=500)
        frames: list[dict[str, Any]] = [
            {
                "type": "hello",
                "person_id": actor.person_id,
                "name": actor.label,
                "channels": [
                    {"id": c.id, "name": c.name, "kind": c.kind.value}
                    for c in channels
                    if c.archived_at is None
                ],
                "checkpoint": _signed(session),
                # The posts it reports for (the report goes to the posts API).
                "posts": [{"id": p.id, "name": p.name} for p in handset_posts(session, actor)],
            }
        ]
        for message, channel_name in missed_messages(
            session,
            person_id=actor.person_id or "",
            after_seq=after,
            channel_ids=actor.channel_ids,
        ):
            clip = session.get(VoiceClip, message.clip_id) if message.clip_id else None
            payload = jsonable(message_wire(message, channel_name))
            frames.append(
                message_frame(payload, cursor=message.event_seq, reason="catch-up", clip=clip)
            )
        return frames


def _send(db: Database, actor: Actor, frame: dict[str, Any]) -> dict[str, Any]:
    precedence = Precedence(frame.get("precedence") or Precedence.ROUTINE)
    channel_id = str(frame.get("channel_id") or "")
    with db.session_scope() as session:
        clip_id = None
        if frame["type"] == "clip":
            try:
                data = base64.b64decode(str(frame.get("data") or ""), validate=True)
            except binascii.Error as exc:
                raise Invalid("the clip is not valid base64") from exc
            mime = str(frame.get("mime") or "audio/webm")
            clip = store_clip(session, data=data, mime=mime, actor=actor, channel_id=channel_id)
            clip_id = clip.id
        message = send_message(
            session,
            channel_id=channel_id,
            precedence=precedence,
            text=str(frame.get("text") or ""),
            clip_id=clip_id,
            actor=actor,
        )
        return {"type": "sent", "id": message.id, "ref": frame.get("ref")}


def _floor(db: Database, actor: Actor, frame: dict[str, Any]) -> dict[str, Any]:
    channel_id = str(frame.get("channel_id") or "")
    precedence = Precedence(frame.get("precedence") or Precedence.ROUTINE)
    now = clock.now()
    with db.session_scope() as session:
        if frame.get("action") == "release":
            released = release_floor(session, channel_id=channel_id, actor=actor, now=now)
            return {"type": "floor", "event": "release", "channel_id": channel_id, "ok": released}
        outcome = request_floor(
            session,
            channel_id=channel_id,
            actor=actor,
            precedence=precedence,
            now=now,
            hold_seconds=get_comms_settings().floor_seconds,
        )
        return {
            "type": "floor",
            "event": "granted" if outcome.granted else "denied",
            "channel_id": channel_id,
            "holder_id": outcome.holder_id,
            "holder": outcome.holder_name,
            "interrupted_id": outcome.interrupted_id,
        }


def _receipt(db: Database, actor: Actor, frame: dict[str, Any]) -> dict[str, Any] | None:
    message_id = str(frame.get("message_id") or "")
    with db.session_scope() as session:
        if frame["type"] == "read":
            mark_read(session, message_id=message_id, actor=actor)
            return None
        key = frame.get("key")
        outcome = acknowledge(
            session, message_id=message_id, actor=actor, key=str(key) if key else None
        )
        return {"type": "acked", "message_id": message_id, "replayed": outcome.replayed}


async def _handle(
    db: Database, actor: Actor, listener: Listener, frame: dict[str, Any]
) -> dict[str, Any] | None:
    kind = frame.get("type")
    if kind == "delivered":
        message_id = str(frame.get("message_id"))
        if message_id in listener.offered:  # only what this handset was given
            hub_for(db).report_delivered(message_id, actor.person_id or "")
        return None
    if kind == "ping":
        return await run_in_threadpool(_pong, db)
    if kind in ("text", "clip"):
        return await run_in_threadpool(_send, db, actor, frame)
    if kind == "floor":
        return await run_in_threadpool(_floor, db, actor, frame)
    if kind in ("read", "ack"):
        return await run_in_threadpool(_receipt, db, actor, frame)
    raise Invalid(f"unknown frame type {kind!r}")


async def _pump(websocket: WebSocket, listener: Listener, sent: set[FrameKey]) -> None:
    while True:
        key, text = await listener.queue.get()
        if key is not None and key in sent:  # the catch-up already carried this frame
            sent.discard(key)
            continue
        await websocket.send_text(text)


async def serve_handset(websocket: WebSocket, db: Database, *, after: int) -> None:
    """Run one handset connection until it closes."""
    try:
        actor = await run_in_threadpool(
            handset_actor,
            db,
            token=websocket.query_params.get("token"),
            cookie=websocket.cookies.get(SESSION_COOKIE),
        )
    except DomainError as exc:
        await websocket.close(code=POLICY_VIOLATION, reason=exc.message[:120])
        return
    await websocket.accept()
    hub = hub_for(db)
    listener = Listener(person_id=actor.person_id or "", channel_ids=actor.channel_ids)
    hub.add(listener)  # before the catch-up read, so nothing falls between the two
    pump: asyncio.Task[None] | None = None
    try:
        frames = await run_in_threadpool(_hello_and_missed, db, actor, after)
        sent = {(str(f["id"]), int(f["cursor"])) for f in frames if f["type"] == "message"}
        listener.offered.update(message_id for message_id, _ in sent)
        for first in frames:
            await websocket.send_text(json.dumps(first))
        pump = asyncio.create_task(_pump(websocket, listener, sent))
        while True:
            raw = await websocket.receive_text()
            frame: Any = None
            try:
                frame = json.loads(raw)
                if not isinstance(frame, dict):
                    raise Invalid("a frame must be a JSON object")
                reply = await _handle(db, actor, listener, frame)
            except (DomainError, ValueError) as exc:
                detail = exc.message if isinstance(exc, DomainError) else str(exc)
                reply = {"type": "error", "detail": detail, "ref": None}
                if isinstance(frame, dict):
                    reply["ref"] = frame.get("ref")
            if reply is not None:
                await websocket.send_text(json.dumps(jsonable(reply)))
    except WebSocketDisconnect:
        pass
    finally:
        hub.remove(listener)
        with contextlib.suppress(Exception):  # unrecorded ones are re-sent as missed next time
            await run_in_threadpool(hub.write_deliveries)
        if pump is not None:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pump
