"""API shapes of comms."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field, model_validator

from muster.comms.enums import ChannelKind, MessageKind, Precedence, RollCallResult
from muster.comms.groups import Rule
from muster.schemas import ReadModel, StrictModel


class ChannelCreate(StrictModel):
    """A new channel: its name, kind and membership rule."""

    name: str = Field(min_length=1, max_length=200)
    kind: ChannelKind = ChannelKind.GROUP
    rule: Rule
    incident_id: str | None = None
    description: str = Field("", max_length=2000)


class ChannelRead(ReadModel):
    """A channel as the API shows it."""

    id: str
    name: str
    kind: ChannelKind
    rule: dict[str, Any]
    incident_id: str | None
    description: str
    created_at: datetime
    archived_at: datetime | None


class MessageCreate(StrictModel):
    """An order or report to a channel. ``requires_ack`` defaults to true above routine."""

    channel_id: str
    precedence: Precedence = Precedence.ROUTINE
    text: str = Field("", max_length=4000)
    clip_id: str | None = None
    requires_ack: bool | None = None
    kind: MessageKind = MessageKind.MESSAGE

    @model_validator(mode="after")
    def _has_content(self) -> MessageCreate:
        if not self.text and not self.clip_id:
            raise ValueError("a message needs text or a voice clip")
        return self


class MessageRead(ReadModel):
    """A message as the API shows it."""

    id: str
    channel_id: str
    kind: MessageKind
    precedence: Precedence
    sender_name: str
    sender_person_id: str | None
    text: str
    clip_id: str | None
    requires_ack: bool
    rule: dict[str, Any]
    sent_at: datetime
    due_at: datetime | None
    escalation_level: int
    closed_at: datetime | None
    result: str | None
    source: str
    external_id: str | None


class AckCreate(StrictModel):
    """Whose acknowledgement: named persons, a whole post, or (neither) the caller's own."""

    person_ids: list[str] | None = Field(None, max_length=500)
    post_id: str | None = None


class AckResult(StrictModel):
    """What an acknowledgement did; a retry with the same key returns the same answer."""

    message_id: str
    acknowledged: list[str]
    already: list[str]
    replayed: bool
    complete: bool


class BoardRow(StrictModel):
    """One addressed recipient on an acknowledgement board."""

    person_id: str
    name: str
    post_id: str | None
    post: str | None
    delivered_at: datetime | None
    read_at: datetime | None
    acked_at: datetime | None
    resent_count: int
    status: str  # answered, late, waiting; or sender, hospitalised, deceased (accounted for)


class Board(StrictModel):
    """Who answered a message or roll call, who is late, and the result."""

    message_id: str
    kind: MessageKind
    precedence: Precedence
    due_at: datetime | None
    answered: int
    late: int
    waiting: int
    sender: int = 0
    hospitalised: int = 0
    deceased: int = 0
    result: RollCallResult
    rows: list[BoardRow]
    # The record's newest signed head as the board was read (None before the first): kept
    # with a printed roll call, it proves later what the record said (docs/security.md).
    record_checkpoint: dict[str, Any] | None = None


class AnnouncementCreate(StrictModel):
    """A public-address announcement to speak."""

    text: str = Field(min_length=1, max_length=2000)
    voice: str | None = Field(None, max_length=40, pattern=r"^[A-Za-z0-9_+\-]+$")
    message_id: str | None = None


class AnnouncementRead(ReadModel):
    """An announcement and where its audio is."""

    id: str
    text: str
    voice: str
    message_id: str | None
    created_by: str
    created_at: datetime
    audio_url: str = ""
