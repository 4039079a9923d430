"""Fixtures of the exercise tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from muster.config import get_settings
from scenario.station import ScenarioText, build_text


@pytest.fixture
def scenario_text() -> ScenarioText:
    """Build a scenario's text around the small station."""
    return build_text


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """MUSTER_DATABASE_URL names an empty SQLite file for the command."""
    url = f"sqlite:///{tmp_path / 'drill.db'}"
    monkeypatch.setenv("MUSTER_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def write(tmp_path: Path, text: str) -> Path:
    """The scenario text as a file in ``tmp_path``."""
    path = tmp_path / "drill.yaml"
    path.write_text(text, encoding="utf-8")
    return path
