"""Configuration from the environment (``MUSTER_`` prefix), read when asked, never at import."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me"


class Mode(StrEnum):
    """How the station runs Muster: production refuses unsafe defaults."""

    PRODUCTION = "production"
    DEV = "dev"
    DEMO = "demo"


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says what to set."""


class Settings(BaseSettings):
    """Everything Muster reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="MUSTER_", extra="ignore")

    mode: Mode = Mode.PRODUCTION
    database_url: str = Field(
        default_factory=lambda: f"sqlite:///{Path.cwd() / 'muster.db'}",
        description="SQLAlchemy URL; SQLite file in the working folder by default.",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: str = DEFAULT_SECRET
    max_body_bytes: int = 1_000_000
    body_read_seconds: float = Field(
        default=10.0,
        gt=0,
        description="A request body not complete this long after the request began is 408.",
    )
    max_body_readers: int = Field(
        default=100,
        ge=1,
        description="Requests per process waiting for their bodies at once; more are 503.",
    )
    max_connections: int = Field(
        default=4096,
        ge=1,
        description="Open connections and requests per process (live consoles count); "
        "more are 503.",
    )
    keep_alive_seconds: float = Field(
        default=5.0, gt=0, description="An idle kept-alive connection is closed after this."
    )
    sse_heartbeat_seconds: float = 15.0
    session_hours: float = 12.0
    log_level: str = "INFO"
    log_json: bool = Field(default=True, description="One JSON object per log line.")
    checkpoint_key_file: Path | None = Field(
        default=None,
        description="Ed25519 private key that signs checkpoints (muster audit keygen FILE).",
    )
    checkpoint_seconds: float = Field(default=5.0, gt=0, description="Sign the head this often.")
    checkpoint_events: int = Field(default=1000, gt=0, description="...or after this many events.")
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="Proxies whose X-Forwarded-For/-Proto are trusted (comma-separated).",
    )

    def check_startable(self) -> None:
        """Refuse to run a real station on a default or weak secret."""
        if self.mode is Mode.PRODUCTION and (
            self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32
        ):
            raise ConfigError(
                "MUSTER_SECRET_KEY is missing or is the default. Set it to a random value of at "
                "least 32 characters (for example: python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'), or set MUSTER_MODE=dev for a trial."
            )
        if self.mode is Mode.PRODUCTION and self.checkpoint_key_file is None:
            raise ConfigError(
                "MUSTER_CHECKPOINT_KEY_FILE is not set. A station's record needs a signing key "
                "kept outside the database: create one with 'muster audit keygen FILE' "
                "(readable by the service only) and set MUSTER_CHECKPOINT_KEY_FILE=FILE."
            )
        if self.checkpoint_key_file is not None:
            from muster.errors import Invalid
            from muster.events.signing import load_private_key

            try:
                load_private_key(self.checkpoint_key_file)
            except Invalid as exc:
                raise ConfigError(f"MUSTER_CHECKPOINT_KEY_FILE: {exc.message}") from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read from the environment on first use."""
    return Settings()
