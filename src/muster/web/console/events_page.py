"""The record in the console: the live feed, the filtered event log and its CSV export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, StreamingResponse

from muster import clock
from muster.errors import Invalid, NotFound
from muster.events.models import Event
from muster.events.service import EventFilter, last_seq, list_events
from muster.events.visibility import hidden_kinds
from muster.people.service import find_person
from muster.schemas import number_in
from muster.web.console.event_words import kind_words
from muster.web.console.fragments import fragment
from muster.web.console.rendering import render
from muster.web.console.viewer import ViewerDep, require
from muster.web.deps import SessionDep, get_database

router = APIRouter()
FEED_SIZE = 30
LOG_PAGE = 100
EXPORT_BATCH = 1000
# Payload fields that say, in words, what an event was about; the first present is shown.
_SUMMARY_KEYS = ("instruction", "explanation", "summary", "text", "reason", "name", "username")


def describe(row: Event) -> str:
    """A short plain-words line for an event, from its payload."""
    payload = row.payload or {}
    for key in _SUMMARY_KEYS:
        value = payload.get(key)
        if isinstance(value, str) and value:
            return value if len(value) <= 160 else value[:157] + "..."
    return ""


def recent_events(
    session: Session, *, count: int = FEED_SIZE, hidden: tuple[str, ...] = ()
) -> list[Event]:
    """The newest ``count`` events (of those not ``hidden``), newest first."""
    newest = last_seq(session)
    rows, _total = list_events(
        session,
        flt=EventFilter(after_seq=max(newest - count, 0), hidden_kinds=hidden),
        limit=count,
    )
    return list(reversed(rows))


@fragment("feed", action="event.read")
def feed_part(session: Session, viewer: Any, _params: Mapping[str, str]) -> dict[str, Any]:
    """The live feed of the newest events the viewer may read."""
    rows = recent_events(session, hidden=hidden_kinds(viewer.actor))
    return {"feed": [(row, kind_words(row.kind), describe(row)) for row in rows]}


@dataclass(frozen=True)
class LogQuery:
    """The event log's filters as the form gives them."""

    kind: str = ""
    person: str = ""
    portal: str = ""
    since: str = ""
    until: str = ""
    page: int = 1

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> LogQuery:
        """Read the filters from a query string; an unreadable page number is page 1."""
        page = params.get("page", "1")
        return cls(
            kind=params.get("kind", "").strip(),
            person=params.get("person", "").strip(),
            portal=params.get("portal", "").strip(),
            since=params.get("since", "").strip(),
            until=params.get("until", "").strip(),
            page=number_in(page) or 1,
        )

    def to_filter(
        self, session: Session, hidden: tuple[str, ...] = ()
    ) -> tuple[EventFilter, str | None]:
        """The log filter, and a second subject (the portal) to match when both are given."""
        person_id = find_person(session, self.person).id if self.person else None
        portal_id = _portal_id(session, self.portal) if self.portal else None
        subject = person_id or portal_id
        second = portal_id if person_id and portal_id else None
        flt = EventFilter(
            kind=self.kind or None,
            subject=subject,
            since=_parse_time(self.since, "from"),
            until=_parse_time(self.until, "until"),
            hidden_kinds=hidden,
        )
        return flt, second

    def query_string(self, **override: Any) -> str:
        """These filters as a query string, with some values replaced."""
        values = {k: getattr(self, k) for k in ("kind", "person", "portal", "since", "until")}
        values.update(override)
        return urlencode({k: v for k, v in values.items() if v})


def _portal_id(session: Session, ref: str) -> str:
    """A portal's id from its id or name (through the places service once it exists)."""
    try:
        from muster.places.service import find_portal  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return ref
    return str(find_portal(session, ref).id)


def _parse_time(text: str, label: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise Invalid(
            f"the '{label}' time {text!r} is not a date and time (YYYY-MM-DDTHH:MM)"
        ) from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _matching(
    session: Session, query: LogQuery, hidden: tuple[str, ...]
) -> tuple[list[Event], int, str]:
    """A page of matching events, the total, and an error to show instead, if any."""
    try:
        flt, second = query.to_filter(session, hidden)
    except (Invalid, NotFound) as exc:
        return [], 0, exc.message
    offset = (query.page - 1) * LOG_PAGE
    if second is None:
        rows, total = list_events(session, flt=flt, limit=LOG_PAGE, offset=offset)
        return rows, total, ""
    rows, _ = list_events(session, flt=flt, limit=10_000)
    both = [r for r in rows if second in r.subjects]
    return both[offset : offset + LOG_PAGE], len(both), ""


@router.get("/events", response_class=HTMLResponse)
def event_log(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    """The event log, filtered by kind, person, portal and time."""
    require(viewer, "event.read")
    query = LogQuery.from_params(request.query_params)
    rows, total, error = _matching(session, query, hidden_kinds(viewer.actor))
    pages = max((total + LOG_PAGE - 1) // LOG_PAGE, 1)
    return render(
        request,
        "events.html",
        viewer,
        {
            "query": query,
            "rows": [(row, describe(row)) for row in rows],
            "total": total,
            "pages": pages,
            "error": error,
        },
        status_code=422 if error else 200,
    )


def csv_lines(rows: list[Event]) -> str:
    """Rows of the export in CSV."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(
            [
                row.seq,
                row.at.isoformat(),
                row.kind,
                row.actor,
                " ".join(row.subjects),
                json.dumps(row.payload, sort_keys=True, ensure_ascii=False),
                row.hash,
            ]
        )
    return out.getvalue()


@router.get("/events/export.csv")
def export_events(request: Request, session: SessionDep, viewer: ViewerDep) -> StreamingResponse:
    """Every event matching the filters, as CSV, read in batches as it is sent."""
    require(viewer, "event.read")
    query = LogQuery.from_params(request.query_params)
    flt, second = query.to_filter(session, hidden_kinds(viewer.actor))
    db = get_database(request)

    def generate() -> Iterator[str]:
        yield "seq,at,kind,actor,subjects,payload,hash\r\n"
        offset = 0
        while True:
            with db.session_scope(write=False) as reader:
                rows, _ = list_events(reader, flt=flt, limit=EXPORT_BATCH, offset=offset)
                yield csv_lines([r for r in rows if second is None or second in r.subjects])
            if len(rows) < EXPORT_BATCH:
                return
            offset += EXPORT_BATCH

    stamp = clock.now().strftime("%Y%m%dT%H%M%SZ")
    return StreamingResponse(
        generate(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="muster-events-{stamp}.csv"'},
    )
