"""Post report settings from the environment (``MUSTER_POSTS_`` prefix), read when asked."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from muster.comms.enums import Precedence


class PostsSettings(BaseSettings):
    """When a post counts as quiet, and how urgently the station asks it to report."""

    model_config = SettingsConfigDict(env_prefix="MUSTER_POSTS_", extra="ignore")

    quiet_minutes: float = Field(
        5.0, gt=0, description="During an open incident, a post silent this long is quiet."
    )
    status_check_precedence: Precedence = Field(
        Precedence.FLASH,
        description="Precedence of the status check sent to a quiet post; its deadline "
        "is the comms deadline of that precedence, and silence escalates from there.",
    )


@lru_cache(maxsize=1)
def get_posts_settings() -> PostsSettings:
    """The process's post settings, read from the environment on first use."""
    return PostsSettings()
