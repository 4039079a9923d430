"""Welfare time limits, from the environment (``MUSTER_WELFARE_`` prefix), read when asked."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class WelfareSettings(BaseSettings):
    """How fresh a screening must be, how often check-ups fall due, when one counts as
    missed, how long a finding of coercion or unwillingness bars a new case."""

    model_config = SettingsConfigDict(env_prefix="MUSTER_WELFARE_", extra="ignore")

    screening_window_hours: float = 24.0
    checkup_interval_days: float = 7.0
    checkup_missed_after_hours: float = 48.0
    cooling_off_hours: float = 72.0

    @property
    def screening_window(self) -> timedelta:
        """A negative screening older than this no longer counts."""
        return timedelta(hours=self.screening_window_hours)

    @property
    def checkup_interval(self) -> timedelta:
        """Time from one check-up (or the approval) to the next."""
        return timedelta(days=self.checkup_interval_days)

    @property
    def cooling_off(self) -> timedelta:
        """After an interview finds a person coerced or unwilling, no new case for that
        person and vessel is opened for this long."""
        return timedelta(hours=self.cooling_off_hours)

    @property
    def missed_after(self) -> timedelta:
        """Time past the due date after which an overdue check-up counts as missed."""
        return timedelta(hours=self.checkup_missed_after_hours)


@lru_cache(maxsize=1)
def get_welfare_settings() -> WelfareSettings:
    """The process's welfare settings."""
    return WelfareSettings()
