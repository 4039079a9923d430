"""A door's replica: the tables its decisions read, in its own SQLite file, fed by the feed.

The replica has the server's own tables (``feed.REPLICATED_TABLES``, from the same models),
so the door reads its facts with the server's ``load_request`` and decides with the
server's ``rule_on``. It is written only by ``apply``: each answer of the feed is checked
link by link (event ``seq`` and hash, row version ``n`` and hash, each recomputed where
its content came) and applied in one transaction together with the cursors, so a door
that stops anywhere resumes exactly where its file says. Signed checkpoints are checked
against the hashes kept here (``check_checkpoint``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    delete,
    event,
    insert,
    select,
)
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

import muster.models  # noqa: F401  every table is in the metadata
from muster.db import Base
from muster.door.feed import REPLICATED_TABLES
from muster.events.chain import GENESIS_HASH, ChainFields, event_hash
from muster.events.rows import row_hash
from muster.events.signing import SignedCheckpoint

DOOR_METADATA = MetaData()
CURSORS = Table(
    "door_cursors",
    DOOR_METADATA,
    Column("id", Integer, primary_key=True),
    Column("event_seq", Integer, nullable=False),
    Column("event_hash", String(64), nullable=False),
    Column("row_n", Integer, nullable=False),
    Column("row_hash", String(64), nullable=False),
    Column("applied_seq", Integer, nullable=False),  # every row of events to here is applied
)
EVENT_HASHES = Table(
    "door_event_hashes",
    DOOR_METADATA,
    Column("seq", Integer, primary_key=True),
    Column("hash", String(64), nullable=False),
)
ROW_HASHES = Table(
    "door_row_hashes",
    DOOR_METADATA,
    Column("n", Integer, primary_key=True),
    Column("hash", String(64), nullable=False),
)


class ChainBroken(Exception):
    """The feed does not extend what the replica holds: nothing of it is applied."""


@dataclass(frozen=True)
class Cursors:
    """Where the replica stands in both chains."""

    event_seq: int = 0
    event_hash: str = GENESIS_HASH
    row_n: int = 0
    row_hash: str = GENESIS_HASH
    applied_seq: int = 0


def sqlite_engine(path: Path, *, durable: bool = True) -> Engine:
    """An engine on a door's SQLite file: WAL, no foreign keys (the replica holds only some
    tables). ``durable``: ``synchronous=FULL``, each commit on disk when it returns (the
    journal); else ``NORMAL``, a power cut may lose the last commits but never splits one
    (the replica: its cursors are in the same transactions, so it reads them again)."""
    engine = create_engine(
        f"sqlite:///{path}", connect_args={"check_same_thread": False, "timeout": 10}
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # On the driver's connection: SQLAlchemy's own execution path for one BEGIN cost
        # as much CPU as a door's whole query for a decision's facts.
        conn.connection.driver_connection.execute(
            "BEGIN IMMEDIATE" if conn.info.get("write") else "BEGIN"
        )

    return engine


def _convert(column: Column[Any], value: Any) -> Any:
    """A row image's JSON value as the column's Python value."""
    if value is None or not isinstance(value, str):
        return value
    kind = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
    if isinstance(kind, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    return value


class Replica:
    """The replica in ``path``: created on first use, resumed after."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.engine = sqlite_engine(path, durable=False)
        self.tables = {name: Base.metadata.tables[name] for name in REPLICATED_TABLES}
        with self.engine.begin() as conn:
            Base.metadata.create_all(conn, tables=list(self.tables.values()))
            DOOR_METADATA.create_all(conn)
        self._sessions = sessionmaker(bind=self.engine, expire_on_commit=False)

    def read_session(self) -> Session:
        """A session for reading facts (``load_request``, the policy versions)."""
        return self._sessions()

    def cursors(self) -> Cursors:
        """Where the replica stands."""
        with self.engine.connect() as conn:
            row = conn.execute(select(CURSORS).where(CURSORS.c.id == 1)).first()
        if row is None:
            return Cursors()
        return Cursors(row.event_seq, row.event_hash, row.row_n, row.row_hash, row.applied_seq)

    def apply(self, feed: dict[str, Any]) -> Cursors:
        """Check one answer of the feed against the chains and apply it in one transaction.

        Raises ``ChainBroken`` (and applies nothing) when an event or a row version does not
        follow the one before or does not match its hash.
        """
        at = self.cursors()
        events, rows = _checked_events(at, feed["events"]), _checked_rows(at, feed["rows"])
        seq, e_hash = (events[-1]["seq"], events[-1]["hash"]) if events else (0, "")
        n, r_hash = (rows[-1]["n"], rows[-1]["hash"]) if rows else (0, "")
        after = Cursors(
            event_seq=seq or at.event_seq,
            event_hash=e_hash or at.event_hash,
            row_n=n or at.row_n,
            row_hash=r_hash or at.row_hash,
            applied_seq=(seq or at.event_seq) if feed["complete"] else at.applied_seq,
        )
        with self.engine.connect() as conn:
            conn.info["write"] = True
            with conn.begin():
                for row in rows:
                    if "table" in row and row["table"] in self.tables:
                        self._write_row(conn, row)
                if events:
                    conn.execute(
                        insert(EVENT_HASHES), [{"seq": e["seq"], "hash": e["hash"]} for e in events]
                    )
                if rows:
                    conn.execute(
                        insert(ROW_HASHES), [{"n": r["n"], "hash": r["hash"]} for r in rows]
                    )
                conn.execute(delete(CURSORS))
                conn.execute(insert(CURSORS), [{"id": 1, **after.__dict__}])
        return after

    def _write_row(self, conn: Any, row: dict[str, Any]) -> None:
        table = self.tables[row["table"]]
        image = row.get("image")
        keys = list(table.primary_key.columns)
        key_values = json.loads(row["key"])
        match = [c == _convert(c, v) for c, v in zip(keys, key_values, strict=True)]
        conn.execute(delete(table).where(*match))
        if image is not None:
            values = {c.name: _convert(c, image.get(c.name)) for c in table.columns}
            conn.execute(insert(table), [values])

    def check_checkpoint(self, checkpoint: SignedCheckpoint) -> str | None:
        """Why ``checkpoint`` contradicts what the replica received, or None when it agrees
        (or speaks of events not received yet: it is checked again later)."""
        with self.engine.connect() as conn:
            if checkpoint.size:
                held = conn.scalar(
                    select(EVENT_HASHES.c.hash).where(EVENT_HASHES.c.seq == checkpoint.size)
                )
                if held is not None and held != checkpoint.head_hash:
                    return (
                        f"event {checkpoint.size} as the door received it is not the one the "
                        "checkpoint signed: the central log was rewritten"
                    )
            if checkpoint.rows_size:
                held = conn.scalar(
                    select(ROW_HASHES.c.hash).where(ROW_HASHES.c.n == checkpoint.rows_size)
                )
                if held is not None and held != checkpoint.rows_head:
                    return (
                        f"row version {checkpoint.rows_size} as the door received it is not the "
                        "one the checkpoint signed: the central record was rewritten"
                    )
        return None


def _checked_events(at: Cursors, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seq, prev = at.event_seq, at.event_hash
    for item in events:
        if item["seq"] != seq + 1:
            raise ChainBroken(f"event {seq + 1} is missing from the feed (got {item['seq']})")
        if item["prev_hash"] != prev:
            raise ChainBroken(f"event {item['seq']} does not link to event {seq}")
        if "kind" in item:
            fields = ChainFields(
                seq=item["seq"],
                at=datetime.fromisoformat(item["at"]),
                kind=item["kind"],
                actor_id=item["actor_id"],
                actor=item["actor"],
                subjects=list(item["subjects"]),
                payload=item["payload"],
            )
            if event_hash(prev, fields) != item["hash"]:
                raise ChainBroken(f"event {item['seq']} does not match its hash")
        seq, prev = item["seq"], item["hash"]
    return events


def _checked_rows(at: Cursors, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    n, prev = at.row_n, at.row_hash
    for item in rows:
        if item["n"] != n + 1:
            raise ChainBroken(f"row version {n + 1} is missing from the feed (got {item['n']})")
        if item["prev_hash"] != prev:
            raise ChainBroken(f"row version {item['n']} does not link to row version {n}")
        if "image" in item:
            digest = row_hash(
                prev, item["n"], item["seq"], item["table"], item["key"], item["image"]
            )
            if digest != item["hash"]:
                raise ChainBroken(f"row version {item['n']} does not match its hash")
        n, prev = item["n"], item["hash"]
    return rows
