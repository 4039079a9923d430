"""Vocabulary of comms."""

from __future__ import annotations

from enum import StrEnum


class Precedence(StrEnum):
    """Military message precedence, most urgent first."""

    FLASH = "flash"
    IMMEDIATE = "immediate"
    PRIORITY = "priority"
    ROUTINE = "routine"

    @property
    def rank(self) -> int:
        """0 for flash, 3 for routine: lower goes first."""
        return list(Precedence).index(self)


class ChannelKind(StrEnum):
    """How a channel finds its members."""

    BROADCAST = "broadcast"
    GROUP = "group"
    DIRECT = "direct"
    INCIDENT = "incident"


class MessageKind(StrEnum):
    """An order or report, or a roll call that every recipient must answer."""

    MESSAGE = "message"
    ROLL_CALL = "roll_call"


class RecipientReason(StrEnum):
    """Why a person received a message: addressed by the channel, or told of silence."""

    ADDRESSED = "addressed"
    ESCALATED = "escalated"


class RollCallResult(StrEnum):
    """A roll call's outcome."""

    PENDING = "pending"
    COMPLETE = "complete"
    INCOMPLETE = "incomplete"
