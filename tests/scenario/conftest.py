"""Fixtures of the exercise tests."""

from __future__ import annotations

import pytest

from scenario.station import ScenarioText, build_text


@pytest.fixture
def scenario_text() -> ScenarioText:
    """Build a scenario's text around the small station."""
    return build_text
