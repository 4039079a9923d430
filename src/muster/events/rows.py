"""Row versions: what each transaction did to the tables the airlocks decide on.

Every write to an audited table (holds, passes, cases, custody, accounts, ...) leaves, in
the same transaction, the row's whole after-state (or its deletion) in ``row_versions``,
linked to the last event of that transaction and hash-chained like the event log. The live
tables are then a projection of that record: ``verify_projection`` replays it and names the
first row that was altered, added or deleted by hand, and the event that should have
produced it. Signed checkpoints cover the head of this chain too, so the record of rows
cannot be rewritten to match a hand edit without the rewrite being caught.

Captured at flush from the ORM's unit of work, so no service has to remember to do it; a
Core ``insert``/``update``/``delete`` on an audited table would bypass it, and
``tests/events/test_rows.py`` checks that none does.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, insert, inspect, select
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from muster.db import Base
from muster.events.chain import GENESIS_HASH, jsonable
from muster.events.models import RowVersion

# The tables whose rows decide who passes an airlock, who may act, and what custody holds.
AUDITED_TABLES = frozenset(
    {
        "persons",
        "parties",
        "zones",
        "portals",
        "posts",
        "post_assignments",
        "accounts",
        "api_tokens",
        "holds",
        "duty_passes",
        "visit_authorizations",
        "presence",
        "consent_cases",
        "consent_case_steps",
        "welfare_checkups",
        "screenings",
        "policy_versions",
        "logistics_units",
        "logistics_custody",
    }
)

_ROWS = cast(Table, RowVersion.__table__)
_INSERT_ROWS = insert(_ROWS)
_STATE = ROW_IMAGES = "row_images"
_MARKS = "row_image_marks"


def _columns(table: Table) -> list[str]:
    return [c.name for c in table.columns]


def row_key(table: Table, values: dict[str, Any]) -> str:
    """The row's primary key as one text, the same at capture and at comparison."""
    return json.dumps([jsonable(values[c.name]) for c in table.primary_key.columns])


def row_image(table: Table, values: dict[str, Any]) -> dict[str, Any]:
    """A row's whole state in JSON values, as the record keeps and compares it."""
    return {name: jsonable(values[name]) for name in _columns(table)}


def _orm_values(obj: Any) -> tuple[Table, dict[str, Any]] | None:
    mapper = inspect(obj).mapper
    table = mapper.local_table
    if not isinstance(table, Table) or table.name not in AUDITED_TABLES:
        return None
    values = {}
    for prop in mapper.column_attrs:
        for column in prop.columns:
            if isinstance(column.table, Table) and column.table is table:
                values[column.name] = getattr(obj, prop.key)
    return table, values


@sa_event.listens_for(Session, "after_flush")
def _capture(session: Session, _context: Any) -> None:
    images: list[tuple[str, str, dict[str, Any] | None]] = session.info.setdefault(_STATE, [])
    for obj in list(session.new) + list(session.dirty):
        found = _orm_values(obj)
        if found is not None and (obj in session.new or session.is_modified(obj)):
            table, values = found
            images.append((table.name, row_key(table, values), row_image(table, values)))
    for obj in session.deleted:
        found = _orm_values(obj)
        if found is not None:
            table, values = found
            images.append((table.name, row_key(table, values), None))


def _canonical(n: int, seq: int | None, table: str, key: str, image: Any) -> str:
    return json.dumps(
        {"n": n, "seq": seq, "table": table, "key": key, "image": image},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def row_hash(prev: str, n: int, seq: int | None, table: str, key: str, image: Any) -> str:
    """SHA-256 over the previous row version's hash and this one's canonical form."""
    return hashlib.sha256((prev + _canonical(n, seq, table, key, image)).encode()).hexdigest()


@sa_event.listens_for(Session, "before_commit")
def _write_versions(session: Session) -> None:
    session.flush()  # the final flush's rows are captured too
    from muster.events.service import lock_log, write_deferred

    write_deferred(session)  # sealed here if rows were written: their versions name the seq
    images = session.info.pop(_STATE, None)
    session.info.pop(_MARKS, None)
    if not images:
        return

    lock_log(session)  # one writer at a time extends the chain, on every node
    head = session.execute(
        select(_ROWS.c.n, _ROWS.c.hash).order_by(_ROWS.c.n.desc()).limit(1)
    ).first()
    n, prev = (head[0], head[1]) if head else (0, GENESIS_HASH)
    appended = session.info.get("events_appended") or []
    seq = appended[-1]["seq"] if appended else None
    rows = []
    for table, key, image in images:
        n += 1
        digest = row_hash(prev, n, seq, table, key, image)
        rows.append(
            {
                "n": n,
                "seq": seq,
                "table_name": table,
                "row_key": key,
                "image": image,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    session.execute(_INSERT_ROWS, rows)


@sa_event.listens_for(Session, "after_transaction_create")
def _mark(session: Session, transaction: Any) -> None:
    if transaction.nested:
        session.info.setdefault(_MARKS, {})[transaction] = len(session.info.get(_STATE, ()))


@sa_event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous: Any) -> None:
    mark = session.info.get(_MARKS, {}).get(previous) if previous.nested else None
    if mark is None:
        session.info.pop(_STATE, None)
        session.info.pop(_MARKS, None)
        return
    del session.info.get(_STATE, [])[mark:]


@sa_event.listens_for(Session, "after_transaction_end")
def _forget_at_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_STATE, None)
        session.info.pop(_MARKS, None)


@dataclass(frozen=True)
class ProjectionReport:
    """Whether the tables are what the record of row versions says they are."""

    ok: bool
    rows: int
    problem: str | None = None
    table: str | None = None
    key: str | None = None
    seq: int | None = None


def rows_head(session: Session) -> tuple[int, str]:
    """Size and last hash of the chain of row versions."""
    head = session.execute(
        select(_ROWS.c.n, _ROWS.c.hash).order_by(_ROWS.c.n.desc()).limit(1)
    ).first()
    return (head[0], head[1]) if head else (0, GENESIS_HASH)


def _replay_query() -> Any:
    return (
        select(
            _ROWS.c.n,
            _ROWS.c.seq,
            _ROWS.c.table_name,
            _ROWS.c.row_key,
            _ROWS.c.image,
            _ROWS.c.prev_hash,
            _ROWS.c.hash,
        )
        .order_by(_ROWS.c.n)
        .execution_options(yield_per=5000)
    )


def verify_projection(session: Session) -> ProjectionReport:
    """Replay the row versions into a scratch projection and compare it with the live tables.

    Names the first difference: a row altered, added or deleted outside the record, with
    the event whose transaction last wrote it.
    """
    import muster.models  # noqa: F401  every table is in the metadata

    projection: dict[tuple[str, str], tuple[Any, int | None]] = {}
    prev, expected = GENESIS_HASH, 1
    result = session.execute(_replay_query())
    try:  # a server-side cursor on PostgreSQL: close it even when stopping early
        for n, seq, tname, key, image, prev_hash, digest in result:
            if (
                n != expected
                or prev_hash != prev
                or row_hash(prev, n, seq, tname, key, image) != digest
            ):
                return ProjectionReport(False, n, f"row version {n} of the record does not verify")
            projection[(tname, key)] = (image, seq)
            prev, expected = digest, n + 1
    finally:
        result.close()
    tables = {t.name: t for t in Base.metadata.sorted_tables if t.name in AUDITED_TABLES}
    checked = 0
    for name in sorted(tables):
        table = tables[name]
        live_keys: set[str] = set()
        for values in session.execute(select(table)).mappings():
            key = row_key(table, dict(values))
            live_keys.add(key)
            checked += 1
            recorded = projection.get((name, key))
            if recorded is None or recorded[0] is None:
                return ProjectionReport(
                    False,
                    checked,
                    f"row {key} of {name} is not in the record: added by hand",
                    name,
                    key,
                    recorded[1] if recorded else None,
                )
            live = row_image(table, dict(values))
            if live != recorded[0]:
                column = next(c for c in live if live[c] != recorded[0].get(c))
                return ProjectionReport(
                    False,
                    checked,
                    f"row {key} of {name} was altered outside the record: {column} is "
                    f"{live[column]!r}, event {recorded[1]} left {recorded[0].get(column)!r}",
                    name,
                    key,
                    recorded[1],
                )
        for (t, key), (image, seq) in projection.items():
            if t == name and image is not None and key not in live_keys:
                return ProjectionReport(
                    False,
                    checked,
                    f"row {key} of {name} was deleted outside the record (written by event {seq})",
                    name,
                    key,
                    seq,
                )
    return ProjectionReport(True, checked)
