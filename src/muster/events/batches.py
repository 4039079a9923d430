"""One sealer batch: pending events chained after the head, and PostgreSQL's two-trip pass;
a PostgreSQL writer's pending events in one statement.

``chain_pending`` gives each pending row of a batch the next ``seq`` and its hash.
``seal_postgres`` is the sealer's whole pass on PostgreSQL in two round trips on the raw
driver connection, in autocommit mode with the transaction written out: the first trip
begins the transaction, takes the chain lock and reads the pending batch with the head
beside it (one simple-protocol query); the second, pipelined, inserts the events and their
subjects, deletes the pending rows, notifies the other nodes and commits. Through the ORM's
connection the same pass took five (BEGIN, the lock, the read, the write, COMMIT), and
each round trip on a loaded machine is a wait for the database's process to be scheduled.

``insert_pending_postgres`` is the writer's side: its transaction's deferred events, as one
JSON document, in one fixed statement on the driver connection of the transaction. Through
the session (``session.execute`` of a Core insert with its bind processing, JSON encoders
and result set-up) the same insert cost a writer about 0.3 ms more CPU than the raw
commit loop's insert.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from muster.events.chain import GENESIS_HASH, ChainFields, event_hash, format_time, wire_form

BATCH = 1000
PG_APPEND_LOCK = 0x6D75737465  # the chain's append lock (transaction-scoped)
EVENTS_CHANNEL = "muster_events"

_COLUMNS = ("id", "at", "kind", "actor_id", "actor", "subjects", "payload")
# Trip one: begin, the chain lock, then the batch with the head beside each row. Taken
# before the read, the lock makes the read see the head the batch must extend.
_OPEN = (
    f"BEGIN; SELECT pg_advisory_xact_lock({PG_APPEND_LOCK}); "
    "SELECT p.id, p.at, p.kind, p.actor_id, p.actor, p.subjects, p.payload, "
    "h.seq AS head_seq, h.hash AS head_hash FROM pending_events AS p "
    "LEFT JOIN (SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1) AS h ON true "
    f"ORDER BY p.id LIMIT {BATCH}"
)
_ANY_PENDING = "SELECT 1 FROM pending_events LIMIT 1"
# Trip two: the batch's events, their subjects, the pending rows' deletion and the wake-up
# in one fixed statement (nothing to compile per batch), then COMMIT. The batch travels as
# one JSON document: encoded in C by ``json.dumps``, where psycopg's text arrays escaped
# each element with a regular expression (a third of the sealer's CPU at 100 events).
_WRITE = """
    WITH batch AS (
        SELECT * FROM json_to_recordset(CAST(%(batch)s AS json)) AS b(
            seq bigint, at timestamptz, kind text, actor_id text, actor text,
            subjects json, payload json, prev_hash text, hash text
        )
    ), sealed AS (
        INSERT INTO events (seq, at, kind, actor_id, actor, subjects, payload, prev_hash, hash)
        SELECT seq, at, kind, actor_id, actor, subjects, payload, prev_hash, hash FROM batch
        RETURNING seq
    ), subjects AS (
        INSERT INTO event_subjects (seq, subject)
        SELECT b.seq, s.subject
        FROM batch AS b
        JOIN sealed ON sealed.seq = b.seq
        CROSS JOIN LATERAL json_array_elements_text(b.subjects) AS s(subject)
    ), taken AS (
        DELETE FROM pending_events
        WHERE id IN (
            SELECT CAST(i AS bigint) FROM json_array_elements_text(CAST(%(ids)s AS json)) AS i
        )
    )
    SELECT pg_notify(%(channel)s, %(last)s)
"""


_INSERT_PENDING = """
    INSERT INTO pending_events (at, kind, actor_id, actor, subjects, payload)
    SELECT at, kind, actor_id, actor, subjects, payload
    FROM json_to_recordset(CAST(%s AS json)) AS b(
        at timestamptz, kind text, actor_id text, actor text, subjects json, payload json
    )
    RETURNING id
"""
_NOTIFY_PENDING = "SELECT pg_notify(%s, '')"


def insert_pending_postgres(
    raw: Any, deferred: Sequence[Mapping[str, Any]], *, notify: str | None
) -> list[int]:
    """Insert ``deferred`` events (``at``, ``kind``, ``actor_id``, ``actor``, ``subjects``,
    ``payload``) into ``pending_events`` on ``raw``, the psycopg connection of the caller's
    transaction, in the order given; return their ids. ``notify``: a channel to wake at
    commit (another node's sealer)."""
    doc = json.dumps(
        [
            {
                "at": format_time(d["at"]),
                "kind": d["kind"],
                "actor_id": d["actor_id"],
                "actor": d["actor"],
                "subjects": d["subjects"],
                "payload": d["payload"],
            }
            for d in deferred
        ]
    )
    ids = [row[0] for row in raw.execute(_INSERT_PENDING, (doc,)).fetchall()]
    if notify is not None:
        raw.execute(_NOTIFY_PENDING, (notify,))
    return ids


def chain_pending(
    pending: Sequence[Mapping[Any, Any]], head_seq: int | None, head_hash: str | None
) -> list[dict[str, Any]]:
    """The batch's events with their ``seq`` and hash, chained after the head given."""
    seq, prev = (head_seq, head_hash or GENESIS_HASH) if head_seq is not None else (0, GENESIS_HASH)
    values: list[dict[str, Any]] = []
    for row in pending:
        seq += 1
        fields = ChainFields(
            seq=seq,
            at=row["at"],
            kind=row["kind"],
            actor_id=row["actor_id"],
            actor=row["actor"],
            subjects=list(row["subjects"]),
            payload=row["payload"],
        )
        digest = event_hash(prev, fields)
        values.append(
            {
                "seq": seq,
                "at": fields.at,
                "kind": fields.kind,
                "actor_id": fields.actor_id,
                "actor": fields.actor,
                "subjects": fields.subjects,
                "payload": fields.payload,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    return values


def subject_rows(values: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One ``event_subjects`` row per subject of each event."""
    return [{"seq": v["seq"], "subject": s} for v in values for s in v["subjects"]]


def seal_postgres(raw: Any, *, probe: bool) -> tuple[list[dict[str, Any]], list[int]]:
    """Seal up to ``BATCH`` pending events on ``raw`` (a psycopg connection in autocommit
    mode that nothing else uses); return them in their wire form and their pending ids.

    ``probe``: look for a pending row first, outside any transaction (one trip when idle).
    On any error the transaction is rolled back and the error raised: the batch stays
    pending, whole.
    """
    if probe and raw.execute(_ANY_PENDING).fetchone() is None:
        return [], []
    try:
        cur = raw.execute(_OPEN)
        cur.nextset()  # past BEGIN's and the lock's results to the batch
        cur.nextset()
        fetched = cur.fetchall()
        if not fetched:
            raw.execute("ROLLBACK")
            return [], []
        pending = [dict(zip(_COLUMNS, row[:7], strict=True)) for row in fetched]
        values = chain_pending(pending, fetched[0][7], fetched[0][8])
        ids = [row["id"] for row in pending]
        wire = [wire_form(v) for v in values]  # also the batch's rows, as written
        params = {
            "batch": json.dumps(wire),
            "ids": json.dumps(ids),
            "channel": EVENTS_CHANNEL,
            "last": str(values[-1]["seq"]),
        }
        with raw.pipeline():
            raw.execute(_WRITE, params)
            raw.execute("COMMIT")
    except BaseException:
        _roll_back(raw)
        raise
    return wire, ids


def _roll_back(raw: Any) -> None:
    try:
        if not raw.closed:
            raw.execute("ROLLBACK")
    except Exception:  # the connection is gone: the server rolled the transaction back
        return
