"""The check-up schedule as iCalendar (RFC 5545) for the officers' calendars."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster import clock
from muster.people.models import Person
from muster.welfare.checkups import case_numbers, list_checkups

CHECKUP_LENGTH = timedelta(minutes=30)


def _time(value: datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%SZ")


def _text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold a content line at 75 octets, continuation lines starting with a space."""
    raw = line.encode()
    if len(raw) <= 75:
        return line
    parts: list[str] = []
    start = 0
    limit = 75
    while start < len(raw):
        end = min(start + limit, len(raw))
        while end < len(raw) and (raw[end] & 0xC0) == 0x80:  # keep UTF-8 sequences whole
            end -= 1
        parts.append(raw[start:end].decode())
        start = end
        limit = 74
    return "\r\n ".join(parts)


def checkup_calendar(session: Session) -> str:
    """Every pending check-up (due, overdue, missed) as a VEVENT."""
    rows, _total = list_checkups(session, limit=10_000)
    names = dict(
        session.execute(
            select(Person.id, Person.name).where(Person.id.in_({r.person_id for r in rows}))
        ).all()
    )
    numbers = case_numbers(session, list({r.case_id for r in rows}))
    stamp = _time(clock.now())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Muster//Welfare check-ups//EN",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:Welfare check-ups",
    ]
    for row in rows:
        name = names.get(row.person_id, row.person_id)
        lines += [
            "BEGIN:VEVENT",
            f"UID:checkup-{row.id}@muster",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_time(row.due_at)}",
            f"DTEND:{_time(row.due_at + CHECKUP_LENGTH)}",
            f"SUMMARY:{_text(f'Welfare check-up: {name}')}",
            "DESCRIPTION:"
            + _text(
                f"Consent case W-{numbers.get(row.case_id, '?')}; status {row.status.value}. "
                "In person: confirm the person still wishes to stay and record a screening."
            ),
            f"STATUS:{'CONFIRMED' if row.status.value == 'due' else 'TENTATIVE'}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)
