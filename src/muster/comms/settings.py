"""Comms settings from the environment (``MUSTER_COMMS_`` prefix), read when asked."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from muster.comms.enums import Precedence


class CommsSettings(BaseSettings):
    """Deadlines, chain of command, scheduler and handset limits."""

    model_config = SettingsConfigDict(env_prefix="MUSTER_COMMS_", extra="ignore")

    flash_ack_seconds: float = Field(60.0, gt=0)
    immediate_ack_seconds: float = Field(300.0, gt=0)
    priority_ack_seconds: float = Field(1800.0, gt=0)
    routine_ack_seconds: float = Field(3600.0, gt=0)
    chain_of_command: list[str] = Field(
        default_factory=lambda: ["commander|incident-commander|station-leader", "officer", "guard"],
        description="Ranks from the top down, each one role or several joined by '|'; "
        "silence escalates one rank up per deadline.",
    )
    scheduler_poll_seconds: float = Field(0.25, gt=0)
    floor_seconds: float = Field(30.0, gt=0, description="Longest a speaker holds a channel.")
    clip_max_bytes: int = Field(2_000_000, gt=0)
    espeak_command: str = "espeak-ng"
    tts_voice: str = "en"
    tts_words_per_minute: int = Field(150, ge=80, le=450)

    def ack_seconds(self, precedence: Precedence) -> float:
        """How long recipients have to acknowledge a message of ``precedence``."""
        return {
            Precedence.FLASH: self.flash_ack_seconds,
            Precedence.IMMEDIATE: self.immediate_ack_seconds,
            Precedence.PRIORITY: self.priority_ack_seconds,
            Precedence.ROUTINE: self.routine_ack_seconds,
        }[precedence]


@lru_cache(maxsize=1)
def get_comms_settings() -> CommsSettings:
    """The process's comms settings, read from the environment on first use."""
    return CommsSettings()
