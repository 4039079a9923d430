"""Fixtures of the agreement tests: the welfare test station (a vessel, officers, persons)."""

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
    """The station in the test's session."""
    return build_station(session)
