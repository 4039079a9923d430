"""Comms: channels, the live message list with precedence in colour and words, the
acknowledgement board of each message, and the send form; a link to the handset page.

Sending, acknowledging and closing call the comms use cases, which authorize the operator
(``comms.rules``); the page only shows or hides controls by the same actions. An
acknowledgement carries an idempotency key made when the form was drawn, so a double tap
records once.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, Response

from muster import clock
from muster.comms import reading, service
from muster.comms.enums import ChannelKind, MessageKind, Precedence
from muster.errors import DomainError, Forbidden
from muster.events.service import last_seq
from muster.web.console.forms import refused
from muster.web.console.fragments import fill, fragment
from muster.web.console.rendering import redirect, render
from muster.web.console.viewer import FormViewerDep, Viewer, ViewerDep
from muster.web.deps import SessionDep

router = APIRouter()
SHOWN = 50


def ack_key() -> str:
    """A fresh idempotency key for one drawn acknowledge button."""
    return f"console-{uuid.uuid4()}"


@fragment("comms_messages", action="comms.read")
def messages_part(session: Session, viewer: Any, params: Mapping[str, str]) -> dict[str, Any]:
    """The newest messages (of one channel if ``channel`` is given), newest first."""
    channel_id = params.get("channel") or None
    actor = viewer.actor
    rows, total = reading.messages_for(session, actor=actor, channel_id=channel_id, limit=SHOWN)
    channels = {m.channel_id: service.get_channel(session, m.channel_id).name for m in rows}
    now = clock.now()
    boards = {
        m.id: reading.board_for(session, actor=actor, message_id=m.id, now=now)
        for m in rows
        if m.requires_ack
    }
    return {
        "messages": rows,
        "messages_total": total,
        "message_channels": channels,
        "boards": boards,
    }


def may_ack_for(viewer: Viewer, person_ids: set[str]) -> bool:
    """True if the operator may acknowledge for these recipients (their own answer, or a
    commander's for others), by the API's rule."""
    if not viewer.can("comms.acknowledge"):
        return False
    own = viewer.actor.person_id is not None and person_ids == {viewer.actor.person_id}
    return own or viewer.can("comms.acknowledge.others")


@fragment("comms_board", action="comms.read")
def board_part(session: Session, viewer: Any, params: Mapping[str, str]) -> dict[str, Any]:
    """One message's acknowledgement board: answered, late, waiting, with buttons."""
    message = reading.message_for(session, actor=viewer.actor, message_id=params.get("message", ""))
    board = reading.board_for(session, actor=viewer.actor, message_id=message.id)
    open_rows = [r for r in board.rows if r.acked_at is None]
    return {
        "message": message,
        "board": board,
        "ackable": {r.person_id for r in open_rows if may_ack_for(viewer, {r.person_id})},
        "ack_key": ack_key(),
    }


@router.get("/comms", response_class=HTMLResponse)
def comms_panel(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    """Channels, the live message list and the send form."""
    channel_id = request.query_params.get("channel", "")
    channels, _ = reading.channels_for(session, actor=viewer.actor, limit=200)
    context = fill(session, viewer, ["comms_messages"], {"channel": channel_id})
    may_broadcast = viewer.can("comms.broadcast")
    precedences = [p for p in Precedence if may_broadcast or p is not Precedence.FLASH]
    sendable = [c for c in channels if c.archived_at is None]
    if not may_broadcast:
        sendable = [c for c in sendable if c.kind is not ChannelKind.BROADCAST]
    context.update(
        {
            "channels": channels,
            "channel_id": channel_id,
            "may_send": viewer.can("comms.send") and bool(sendable),
            "sendable": sendable,
            "precedences": precedences,
            "may_roll_call": may_broadcast,
            "live_after": last_seq(session),
        }
    )
    return render(request, "comms.html", viewer, context)


@router.get("/comms/messages/{message_id}", response_class=HTMLResponse)
def message_page(
    message_id: str, request: Request, session: SessionDep, viewer: ViewerDep
) -> HTMLResponse:
    """One message and its acknowledgement board."""
    message = reading.message_for(session, actor=viewer.actor, message_id=message_id)
    context = fill(session, viewer, ["comms_board"], {"message": message.id})
    context.update(
        {
            "channel": service.get_channel(session, message.channel_id),
            "may_close": message.closed_at is None and viewer.can("comms.broadcast"),
            "live_after": last_seq(session),
        }
    )
    return render(request, "comms_message.html", viewer, context)


@router.post("/comms/messages", response_model=None)
def send(
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    channel_id: Annotated[str, Form(max_length=36)],
    text: Annotated[str, Form(max_length=4000)] = "",
    precedence: Annotated[str, Form(max_length=20)] = Precedence.ROUTINE.value,
    roll_call: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Send an order or report to a channel (or start a roll call)."""
    back = "/comms"
    try:
        level = Precedence(precedence)
        kind = MessageKind.ROLL_CALL if roll_call else MessageKind.MESSAGE
        message = service.send_message(
            session,
            channel_id=channel_id,
            precedence=level,
            text=text.strip(),
            kind=kind,
            actor=viewer.actor,
        )
    except (DomainError, ValueError) as exc:
        return refused(request, session, back, exc)
    return redirect(
        request, f"/comms/messages/{message.id}", f"{level.value.capitalize()} message sent."
    )


@router.post("/comms/messages/{message_id}/ack", response_model=None)
def acknowledge(
    message_id: str,
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    key: Annotated[str, Form(max_length=200)],
    person_id: Annotated[str, Form(max_length=36)] = "",
    post_id: Annotated[str, Form(max_length=36)] = "",
    back: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """Acknowledge for a recipient or for a whole post."""
    back = back or f"/comms/messages/{message_id}"
    try:
        outcome = service.acknowledge(
            session,
            message_id=message_id,
            actor=viewer.actor,
            person_ids=[person_id] if person_id and not post_id else None,
            post_id=post_id or None,
            key=key,
        )
    except DomainError as exc:
        return refused(request, session, back, exc)
    count = len(outcome.acknowledged)
    if outcome.replayed or not count:
        note = "Already acknowledged; nothing changed."
    else:
        note = f"Acknowledged for {count} recipient{'s' if count != 1 else ''}."
    return redirect(request, back, note)


@router.post("/comms/messages/{message_id}/close", response_model=None)
def close(
    message_id: str, request: Request, session: SessionDep, viewer: FormViewerDep
) -> Response:
    """End an order or roll call now; silent recipients make it incomplete."""
    back = f"/comms/messages/{message_id}"
    try:
        service.close_message(session, message_id=message_id, actor=viewer.actor)
    except Forbidden:
        raise  # a refused operator gets the 403 page, as before any other check
    except DomainError as exc:
        return refused(request, session, back, exc)
    return redirect(request, back, "Closed.")
