"""The check-up calendar: iCalendar that a calendar program reads back, recurrence included."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from dateutil.rrule import rrulestr
from fastapi.testclient import TestClient
from icalendar import Calendar

from muster.db import Database
from muster.welfare.settings import get_welfare_settings
from welfare.helpers import approved
from welfare.station import build_station


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    """Welfare settings are read again in each test (the interval comes from the environment)."""
    get_welfare_settings.cache_clear()
    yield
    get_welfare_settings.cache_clear()


def _read(db: Database, make_client: Callable[..., TestClient]) -> tuple[str, datetime]:
    """Approve Lisa's case, then read the calendar as a welfare officer: its text, and the
    due time the check-up board gives."""
    with db.session_scope() as session:
        station = build_station(session)
        approved(station)
        officer_id = station.persons["Amara"].id
    officer = make_client("welfare", person_id=officer_id)
    answer = officer.get("/api/v1/welfare/checkups.ics")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/calendar")
    board = officer.get("/api/v1/welfare/checkups").json()
    due = datetime.fromisoformat(board["items"][0]["due_at"])
    return answer.text, due.replace(microsecond=0)  # iCalendar times are to the second


class TestCalendar:
    """Each pending check-up is one event at its due time, recurring at the check-up interval."""

    def test_event_starts_at_the_due_checkup(
        self, db: Database, make_client: Callable[..., TestClient]
    ) -> None:
        text, due = _read(db, make_client)
        events = Calendar.from_ical(text).walk("VEVENT")
        assert len(events) == 1
        event = events[0]
        assert event.decoded("dtstart") == due
        assert str(event["summary"]) == "Welfare check-up: Lisa"
        # The description has a semicolon, escaped on the wire and read back whole.
        assert str(event["description"]).startswith("Consent case W-1; status due. In person")

    def test_weekly_recurrence_by_default(
        self, db: Database, make_client: Callable[..., TestClient]
    ) -> None:
        text, _due = _read(db, make_client)
        event = Calendar.from_ical(text).walk("VEVENT")[0]
        rule = event["rrule"]
        assert rule["FREQ"] == ["WEEKLY"]
        assert rule["INTERVAL"] == [1]
        assert "RRULE:FREQ=WEEKLY;INTERVAL=1\r\n" in text

    def test_recurrence_follows_the_interval_setting(
        self, db: Database, make_client: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("MUSTER_WELFARE_CHECKUP_INTERVAL_DAYS", "0.5")
        text, due = _read(db, make_client)
        rule = Calendar.from_ical(text).walk("VEVENT")[0]["rrule"]
        assert rule["FREQ"] == ["HOURLY"]
        assert rule["INTERVAL"] == [12]
        # The check-up after the next is one interval later, as the service schedules it.
        occurrences = rrulestr(rule.to_ical().decode(), dtstart=due)
        assert list(occurrences[:2]) == [due, due + timedelta(hours=12)]

    def test_lines_are_crlf_and_folded_at_75_octets(
        self, db: Database, make_client: Callable[..., TestClient]
    ) -> None:
        text, _due = _read(db, make_client)
        assert text.startswith("BEGIN:VCALENDAR\r\n")
        assert text.endswith("END:VCALENDAR\r\n")
        lines = text.split("\r\n")
        assert all(len(line.encode()) <= 75 for line in lines)
        assert any(line.startswith(" ") for line in lines), "the description folds"
