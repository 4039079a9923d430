"""Fixtures of the welfare tests: the shipped policy in force, a small station."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from muster.policy.engine import install_engine
from welfare.station import Station, build_station


@pytest.fixture(autouse=True)
def _shipped_policy() -> Iterator[None]:
    """Every test starts and ends on the shipped policy."""
    install_engine(None)
    yield
    install_engine(None)


@pytest.fixture
def station(session: Session) -> Station:
    """The welfare test station in the test's session."""
    return build_station(session)
