"""Fixtures of the comms tests."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from comms.station import Station, build_station, committed
from muster.comms.settings import CommsSettings
from muster.db import Database


@pytest.fixture
def station(session: Session) -> Station:
    """The station, in the test's rolled-back session."""
    return build_station(session)


@pytest.fixture
def comms_settings() -> CommsSettings:
    """Default deadlines and chain of command, independent of the environment."""
    return CommsSettings()


@pytest.fixture
def crew(db: Database) -> Station:
    """The station, committed."""
    return committed(db)
