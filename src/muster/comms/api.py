"""Comms over HTTP: channels, messages, acknowledgements, boards, clips, PA, CAP, handsets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response, WebSocket
from fastapi.responses import FileResponse, HTMLResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from muster.comms import cap, reading, service, tts
from muster.comms.enums import MessageKind
from muster.comms.groups import parse_rule, rule_to_dict
from muster.comms.handsets import serve_handset
from muster.comms.schemas import (
    AckCreate,
    AckResult,
    AnnouncementCreate,
    AnnouncementRead,
    Board,
    ChannelCreate,
    ChannelRead,
    MessageCreate,
    MessageRead,
)
from muster.errors import NotFound
from muster.policy.actor import Actor
from muster.schemas import Page
from muster.web.deps import (
    CurrentActor,
    PageDep,
    SessionDep,
    in_write_transaction,
    require_credentials,
)

router = APIRouter(tags=["comms"])
PREFIX = "/api/v1/comms"
STATIC = Path(__file__).with_name("static")
STATIC_FILES = {"handset.js": "text/javascript", "handset.css": "text/css"}
XML = "application/xml"


@router.get(f"{PREFIX}/channels")
def read_channels(session: SessionDep, actor: CurrentActor, page: PageDep) -> Page[ChannelRead]:
    """Channels by name (a handset token sees its own)."""
    rows, total = reading.channels_for(session, actor=actor, limit=page.limit, offset=page.offset)
    items = [ChannelRead.model_validate(r) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post(f"{PREFIX}/channels", status_code=201)
def create_channel(session: SessionDep, actor: CurrentActor, body: ChannelCreate) -> ChannelRead:
    """A channel whose members are whoever its rule names when a message is sent."""
    channel = service.create_channel(
        session,
        name=body.name,
        kind=body.kind,
        rule=body.rule,
        incident_id=body.incident_id,
        description=body.description,
        actor=actor,
    )
    return ChannelRead.model_validate(channel)


@router.get(f"{PREFIX}/channels/{{channel_id}}/members")
def read_members(session: SessionDep, actor: CurrentActor, channel_id: str) -> dict[str, Any]:
    """Whom the channel's rule names right now (a message sent now would reach them)."""
    found = reading.channel_members(session, actor=actor, channel_id=channel_id)
    return {
        "channel_id": found.channel.id,
        "rule": rule_to_dict(parse_rule(found.channel.rule)),
        "members": [{"person_id": m.person_id, "post_id": m.post_id} for m in found.members],
    }


# A send runs sign-in, policy sync, the use case and the commit in one worker thread
# (``in_write_transaction``), as the doors' uploads do: a flash order to the station is one
# trip to the thread pool before its consoles are woken, not four, and SQLite's write lock
# is not held across trips through the event loop.


@router.post(f"{PREFIX}/messages", status_code=201, dependencies=[Depends(require_credentials)])
async def send_message(request: Request, body: MessageCreate) -> MessageRead:
    """Send to a channel: its rule is resolved now and each recipient's copy recorded."""
    return await _send(request, body)


@router.post(f"{PREFIX}/rollcalls", status_code=201, dependencies=[Depends(require_credentials)])
async def start_roll_call(request: Request, body: MessageCreate) -> MessageRead:
    """'All posts report': a message every recipient must answer, with a board."""
    return await _send(request, body.model_copy(update={"kind": MessageKind.ROLL_CALL}))


async def _send(request: Request, body: MessageCreate) -> MessageRead:
    def work(session: Session, actor: Actor) -> MessageRead:
        message = service.send_message(
            session,
            channel_id=body.channel_id,
            precedence=body.precedence,
            text=body.text,
            clip_id=body.clip_id,
            requires_ack=body.requires_ack,
            kind=body.kind,
            actor=actor,
        )
        return MessageRead.model_validate(message)

    return await run_in_threadpool(in_write_transaction, request, work)


@router.get(f"{PREFIX}/messages")
def read_messages(
    session: SessionDep,
    actor: CurrentActor,
    page: PageDep,
    channel_id: str | None = None,
    person_id: str | None = None,
    open_only: Annotated[bool, Query(alias="open")] = False,
) -> Page[MessageRead]:
    """Messages newest first; ``open=true`` lists those still awaiting acknowledgement."""
    rows, total = reading.messages_for(
        session,
        actor=actor,
        channel_id=channel_id,
        person_id=person_id,
        open_only=open_only,
        limit=page.limit,
        offset=page.offset,
    )
    items = [MessageRead.model_validate(r) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get(f"{PREFIX}/messages/{{message_id}}")
def read_message(session: SessionDep, actor: CurrentActor, message_id: str) -> MessageRead:
    """One message."""
    return MessageRead.model_validate(
        reading.message_for(session, actor=actor, message_id=message_id)
    )


@router.post(f"{PREFIX}/messages/{{message_id}}/delivered", status_code=204)
def report_delivered(session: SessionDep, actor: CurrentActor, message_id: str) -> Response:
    """The caller's device received the message."""
    service.mark_delivered(session, message_id=message_id, actor=actor)
    return Response(status_code=204)


@router.post(f"{PREFIX}/messages/{{message_id}}/read", status_code=204)
def report_read(session: SessionDep, actor: CurrentActor, message_id: str) -> Response:
    """The caller opened or heard the message."""
    service.mark_read(session, message_id=message_id, actor=actor)
    return Response(status_code=204)


@router.post(f"{PREFIX}/messages/{{message_id}}/ack")
def acknowledge(
    session: SessionDep,
    actor: CurrentActor,
    message_id: str,
    body: AckCreate | None = None,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> AckResult:
    """Acknowledge for oneself, named persons or a post. Retry with the same Idempotency-Key."""
    body = body or AckCreate()
    outcome = service.acknowledge(
        session,
        message_id=message_id,
        actor=actor,
        person_ids=body.person_ids,
        post_id=body.post_id,
        key=idempotency_key,
    )
    return AckResult(**outcome.__dict__)


@router.get(f"{PREFIX}/messages/{{message_id}}/board")
def read_board(session: SessionDep, actor: CurrentActor, message_id: str) -> Board:
    """Who answered, who is late, who is still within time, and the result."""
    return reading.board_for(session, actor=actor, message_id=message_id)


@router.post(f"{PREFIX}/messages/{{message_id}}/close")
def close_message(session: SessionDep, actor: CurrentActor, message_id: str) -> Board:
    """End a roll call or order now; silent recipients make it 'incomplete'."""
    service.close_message(session, message_id=message_id, actor=actor)
    return reading.board_for(session, actor=actor, message_id=message_id)


@router.post(f"{PREFIX}/clips", status_code=201)
async def upload_clip(
    request: Request, session: SessionDep, actor: CurrentActor, channel_id: str | None = None
) -> dict[str, Any]:
    """Store a recorded voice clip (the request body, e.g. audio/webm); send it by its id.

    A handset token names the channel the clip is for (``channel_id``).
    """
    data = await request.body()
    mime = request.headers.get("content-type", "")
    clip = service.store_clip(session, data=data, mime=mime, actor=actor, channel_id=channel_id)
    return {"id": clip.id, "size": clip.size, "url": f"{PREFIX}/clips/{clip.id}"}


@router.get(f"{PREFIX}/clips/{{clip_id}}")
def read_clip(session: SessionDep, actor: CurrentActor, clip_id: str) -> Response:
    """A voice clip's audio."""
    clip = reading.clip_for(session, actor=actor, clip_id=clip_id)
    return Response(clip.data, media_type=clip.mime, headers={"Cache-Control": "private"})


def _announcement(row: Any) -> AnnouncementRead:
    read = AnnouncementRead.model_validate(row)
    read.audio_url = f"{PREFIX}/announcements/{row.id}/audio.wav"
    return read


@router.post(f"{PREFIX}/announcements", status_code=201)
def make_announcement(
    session: SessionDep, actor: CurrentActor, body: AnnouncementCreate
) -> AnnouncementRead:
    """Speak a public-address announcement (espeak-ng) into a WAV file."""
    row = tts.announce(
        session, text=body.text, voice=body.voice, message_id=body.message_id, actor=actor
    )
    return _announcement(row)


@router.get(f"{PREFIX}/announcements/{{announcement_id}}")
def read_announcement(
    session: SessionDep, actor: CurrentActor, announcement_id: str
) -> AnnouncementRead:
    """An announcement and the address of its audio."""
    row = reading.announcement_for(session, actor=actor, announcement_id=announcement_id)
    return _announcement(row)


@router.get(f"{PREFIX}/announcements/{{announcement_id}}/audio.wav")
def read_announcement_audio(
    session: SessionDep, actor: CurrentActor, announcement_id: str
) -> Response:
    """The announcement as a WAV file, for the PA system or the console to play."""
    row = reading.announcement_for(session, actor=actor, announcement_id=announcement_id)
    return Response(row.audio, media_type="audio/wav")


@router.get(f"{PREFIX}/messages/{{message_id}}/cap.xml")
def export_cap(
    session: SessionDep, actor: CurrentActor, message_id: str, exercise: bool = False
) -> Response:
    """The message as an OASIS CAP 1.2 alert."""
    xml = reading.cap_for(session, actor=actor, message_id=message_id, exercise=exercise)
    return Response(xml, media_type=XML)


@router.post(f"{PREFIX}/cap", status_code=201)
async def import_cap(
    request: Request, session: SessionDep, actor: CurrentActor, channel_id: str | None = None
) -> MessageRead:
    """Accept a CAP 1.2 alert (XML body) as an incoming message; a repeat returns the first."""
    xml = await request.body()
    message, _new = cap.import_cap(session, xml=xml, actor=actor, channel_id=channel_id)
    return MessageRead.model_validate(message)


@router.websocket("/api/v1/handsets/ws")
async def handset_socket(websocket: WebSocket, after: int = 0) -> None:
    """A handset: text, push-to-talk clips, floor control, acknowledgements, catch-up."""
    await serve_handset(websocket, websocket.app.state.db, after=after)


@router.get("/handset", response_class=HTMLResponse, include_in_schema=False)
def handset_page() -> HTMLResponse:
    """The handset page (it holds no data; its socket signs in with a token or the cookie)."""
    return HTMLResponse(
        (STATIC / "handset.html").read_text(), headers={"Cache-Control": "no-store"}
    )


@router.get("/handset/static/{name}", include_in_schema=False)
def handset_static(name: str) -> FileResponse:
    """The handset page's own script and style."""
    if name not in STATIC_FILES:
        raise NotFound(f"no static file {name!r}")
    return FileResponse(STATIC / name, media_type=STATIC_FILES[name])
