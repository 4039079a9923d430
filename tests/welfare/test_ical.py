"""The check-up calendar: valid iCalendar text for every pending check-up."""

from __future__ import annotations

from muster.welfare.ical import _fold, checkup_calendar
from welfare.helpers import approved
from welfare.station import Station


class TestCalendar:
    """Each pending check-up is one event; lines end in CRLF and fold at 75 octets."""

    def test_one_event_per_pending_checkup(self, station: Station) -> None:
        approved(station)
        text = checkup_calendar(station.session)
        assert text.startswith("BEGIN:VCALENDAR\r\n")
        assert text.endswith("END:VCALENDAR\r\n")
        assert text.count("BEGIN:VEVENT") == 1
        assert "SUMMARY:Welfare check-up: Lisa" in text

    def test_long_lines_fold(self) -> None:
        folded = _fold("DESCRIPTION:" + "é" * 80)
        assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
        assert folded.replace("\r\n ", "") == "DESCRIPTION:" + "é" * 80
