"""The overview's pictures after the crisis replay: head counts by affiliation and casualties
by category over time, replayed from the record, each ending at the counts on the page and
each with its figures as a table."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from muster.config import Settings
from muster.db import Database
from muster.scenario.loader import load_scenario
from muster.scenario.runner import run_plan
from muster.web.app import create_app

from .helpers import sign_in

ROOT = Path(__file__).resolve().parents[2]


def chart(page: str, chart_id: str) -> dict[str, Any]:
    """The series a chart on the page is drawn from."""
    found = re.search(rf"id=\"{chart_id}\" data-chart data-series='([^']*)'", page)
    assert found, f"no chart {chart_id} on the page"
    return dict(json.loads(unescape(found.group(1))))


def last_values(series: dict[str, Any]) -> dict[str, int]:
    """Each line's value at its newest moment."""
    return {s["label"]: s["values"][-1] for s in series["series"]}


def newest_row(page: str, table_id: str) -> list[int]:
    """The counts in the first (newest) row of a chart's table."""
    body = re.search(rf'id="{table_id}".*?<tbody>(.*?)</tbody>', page, re.S)
    assert body, f"no table {table_id}"
    first = re.search(r"<tr>(.*?)</tr>", body.group(1), re.S)
    assert first
    return [int(n) for n in re.findall(r'<td class="num"[^>]*>(\d+)</td>', first.group(1))]


@pytest.fixture(scope="module")
def drawn() -> dict[str, str]:
    """The overview drawn after the replay, by backend: both tests read the same page, so
    the crisis is replayed once a backend, not once a test (5-10 s each)."""
    return {}


@pytest.fixture
def overview(db: Database, settings: Settings, drawn: dict[str, str]) -> str:
    """The commander's overview after the whole crisis replay."""
    backend = db.engine.dialect.name
    if backend not in drawn:
        report = run_plan(db, load_scenario(ROOT / "scenarios" / "crisis.yaml"))
        with TestClient(create_app(settings, db), follow_redirects=False) as client:
            drawn[backend] = sign_in(client, "john", report.passwords["john"]).get("/").text
    return drawn[backend]


class TestPictures:
    """Each picture is the record replayed: it ends where the tables beside it stand."""

    def test_head_counts_over_time_end_at_the_head_counts(self, overview: str) -> None:
        series = chart(overview, "chart-aboard")
        assert [s["label"] for s in series["series"]] == ["resident", "crew", "visitor"]
        assert len(series["x"]) > 10
        assert series["x"] == sorted(series["x"])
        table = re.search(r'id="counts-affiliation".*?</table>', overview, re.S)
        assert table
        now = {
            name: int(n)
            for name, n in re.findall(
                r'data-affiliation="(\w+)">.*?data-count>(\d+)<', table.group(0), re.S
            )
        }
        assert last_values(series) == now
        assert sum(now.values()) > 0
        # The people aboard changed during the crisis (passages, roll calls, departures).
        totals = {sum(v) for v in zip(*(s["values"] for s in series["series"]), strict=True)}
        assert len(totals) > 1
        assert newest_row(overview, "chart-aboard-table") == list(now.values())

    def test_casualties_over_time_end_at_the_casualty_counts(self, overview: str) -> None:
        series = chart(overview, "chart-casualties")
        labels = ["immediate", "delayed", "minor", "expectant", "deceased"]
        assert [s["label"] for s in series["series"]] == labels
        assert series["x"] == sorted(series["x"])
        foot = re.search(r'<tr data-side="all">(.*?)</tr>', overview, re.S)
        assert foot
        now = {c: int(n) for c, n in re.findall(r'data-category="(\w+)">(\d+)<', foot.group(1))}
        assert last_values(series) == now
        assert sum(now.values()) > 0
        first = {s["label"]: s["values"][0] for s in series["series"]}
        assert sum(first.values()) < sum(now.values())  # counted up as they were found
        assert newest_row(overview, "chart-casualties-table") == [now[c] for c in labels]
