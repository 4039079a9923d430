"""Channels, messages, per-recipient delivery, voice clips, floors and PA announcements.

Escalation state is on the message (``due_at``, ``escalation_level``) so a restarted
server, or another node, picks it up from the database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from muster.comms.enums import ChannelKind, MessageKind, Precedence, RecipientReason
from muster.db import Base, UTCDateTime, new_id
from muster.events.models import SeqType


def _values(enum: Any) -> list[str]:
    return [member.value for member in enum]


def _enum(enum: Any) -> Enum:
    return Enum(enum, native_enum=False, length=20, values_callable=_values)


class Channel(Base):
    """Where messages go: everyone, a group defined by a rule, one person, or an incident."""

    __tablename__ = "comms_channels"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[ChannelKind] = mapped_column(_enum(ChannelKind))
    # The membership rule (see comms.groups); resolved anew each time a message is sent.
    rule: Mapped[dict[str, Any]] = mapped_column(JSON)
    incident_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class VoiceClip(Base):
    """A recorded push-to-talk clip (Opus in WebM, usually)."""

    __tablename__ = "comms_voice_clips"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    mime: Mapped[str] = mapped_column(String(80))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    sender_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Message(Base):
    """One order, report or roll call, with its escalation state."""

    __tablename__ = "comms_messages"
    __table_args__ = (
        Index("ix_comms_messages_due", "due_at"),
        UniqueConstraint("source", "external_id", name="uq_comms_messages_external"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    channel_id: Mapped[str] = mapped_column(String(36), ForeignKey("comms_channels.id"), index=True)
    kind: Mapped[MessageKind] = mapped_column(_enum(MessageKind), default=MessageKind.MESSAGE)
    precedence: Mapped[Precedence] = mapped_column(_enum(Precedence))
    sender_id: Mapped[str] = mapped_column(String(64))
    sender_name: Mapped[str] = mapped_column(String(200))
    sender_person_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    text: Mapped[str] = mapped_column(Text, default="")
    clip_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("comms_voice_clips.id"), nullable=True
    )
    requires_ack: Mapped[bool] = mapped_column(Boolean, default=True)
    ack_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    rule: Mapped[dict[str, Any]] = mapped_column(JSON)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    event_seq: Mapped[int] = mapped_column(SeqType, default=0, index=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    result: Mapped[str | None] = mapped_column(String(20), nullable=True)
    source: Mapped[str] = mapped_column(String(20), default="local")
    external_id: Mapped[str | None] = mapped_column(String(200), nullable=True)


class Recipient(Base):
    """One person's copy of a message: when it was delivered, read and acknowledged."""

    __tablename__ = "comms_recipients"
    __table_args__ = (Index("ix_comms_recipients_person", "person_id", "message_id"),)

    message_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("comms_messages.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[str] = mapped_column(String(36), ForeignKey("persons.id"), primary_key=True)
    post_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("posts.id"), nullable=True, index=True
    )
    reason: Mapped[RecipientReason] = mapped_column(_enum(RecipientReason))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    acked_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    resent_count: Mapped[int] = mapped_column(Integer, default=0)


class AckKey(Base):
    """An ``Idempotency-Key`` already used to acknowledge, and what it acknowledged."""

    __tablename__ = "comms_ack_keys"

    message_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("comms_messages.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    person_ids: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Floor(Base):
    """Who holds the floor of a channel (one speaker at a time), until when."""

    __tablename__ = "comms_floors"

    channel_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("comms_channels.id"), primary_key=True
    )
    holder_id: Mapped[str] = mapped_column(String(64))
    holder_name: Mapped[str] = mapped_column(String(200))
    precedence: Mapped[Precedence] = mapped_column(_enum(Precedence))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Announcement(Base):
    """A public-address announcement, spoken by text to speech into a WAV file."""

    __tablename__ = "comms_announcements"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    text: Mapped[str] = mapped_column(Text)
    voice: Mapped[str] = mapped_column(String(40))
    audio: Mapped[bytes] = mapped_column(LargeBinary)
    message_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("comms_messages.id"), nullable=True
    )
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
