"""The check-up schedule as iCalendar (RFC 5545) for the officers' calendars.

Written with the ``icalendar`` library (escaping, folding at 75 octets, CRLF): each pending
check-up is one VEVENT starting at its due time and recurring at the check-up interval
(``RRULE``), so a calendar shows the next check-up and the ones after it.
"""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar, Event, vRecur
from sqlalchemy import select
from sqlalchemy.orm import Session

from muster import clock
from muster.people.models import Person
from muster.welfare.checkups import case_numbers, list_checkups
from muster.welfare.enums import CheckupStatus
from muster.welfare.settings import get_welfare_settings

CHECKUP_LENGTH = timedelta(minutes=30)

# RFC 5545 frequencies from the longest down, with their length in seconds.
_FREQUENCIES = (("WEEKLY", 604_800), ("DAILY", 86_400), ("HOURLY", 3_600), ("MINUTELY", 60))


def recurrence(interval: timedelta) -> vRecur:
    """The RRULE of a check-up every ``interval``: the longest frequency that divides it."""
    seconds = round(interval.total_seconds())
    if seconds <= 0:
        raise ValueError("a check-up interval is positive")
    for name, length in _FREQUENCIES:
        if seconds % length == 0:
            return vRecur(freq=name, interval=seconds // length)
    return vRecur(freq="SECONDLY", interval=seconds)


def checkup_calendar(session: Session) -> str:
    """Every pending check-up (due, overdue, missed) as a recurring VEVENT."""
    rows, _total = list_checkups(session, limit=10_000)
    names = dict(
        session.execute(
            select(Person.id, Person.name).where(Person.id.in_({r.person_id for r in rows}))
        ).all()
    )
    numbers = case_numbers(session, list({r.case_id for r in rows}))
    rule = recurrence(get_welfare_settings().checkup_interval)
    stamp = clock.now()
    calendar = Calendar()
    calendar.add("prodid", "-//Muster//Welfare check-ups//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Welfare check-ups")
    for row in rows:
        name = names.get(row.person_id, row.person_id)
        event = Event()
        event.add("uid", f"checkup-{row.id}@muster")
        event.add("dtstamp", stamp)
        event.add("dtstart", row.due_at)
        event.add("dtend", row.due_at + CHECKUP_LENGTH)
        event.add("rrule", rule)
        event.add("summary", f"Welfare check-up: {name}")
        event.add(
            "description",
            f"Consent case W-{numbers.get(row.case_id, '?')}; status {row.status.value}. "
            "In person: confirm the person still wishes to stay and record a screening.",
        )
        event.add("status", "CONFIRMED" if row.status is CheckupStatus.DUE else "TENTATIVE")
        calendar.add_component(event)
    text: bytes = calendar.to_ical()
    return text.decode()
