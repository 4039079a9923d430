"""The hash chain: canonical form of an event and its SHA-256 link to the one before."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

GENESIS_HASH = "0" * 64


def jsonable(value: Any) -> Any:
    """``value`` in plain JSON types, so what is stored is exactly what is hashed."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, Enum):
        return jsonable(value.value)
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    raise TypeError(f"cannot record a value of type {type(value).__name__} in an event")


def format_time(moment: datetime) -> str:
    """The one text form of a time in events: UTC, microseconds, ISO 8601."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class ChainFields:
    """The fields of an event that its hash covers."""

    seq: int
    at: datetime
    kind: str
    actor_id: str
    actor: str
    subjects: list[str]
    payload: dict[str, Any]


def event_hash(prev_hash: str, fields: ChainFields) -> str:
    """SHA-256 over the previous hash and the canonical JSON of the event."""
    canonical = json.dumps(
        {
            "seq": fields.seq,
            "at": format_time(fields.at),
            "kind": fields.kind,
            "actor_id": fields.actor_id,
            "actor": fields.actor,
            "subjects": fields.subjects,
            "payload": fields.payload,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def wire_form(values: dict[str, Any]) -> dict[str, Any]:
    """An event's wire form (as ``events.service.event_to_dict`` gives a stored one) from
    the values it was written with."""
    return {
        "seq": values["seq"],
        "at": format_time(values["at"]),
        "kind": values["kind"],
        "actor_id": values["actor_id"],
        "actor": values["actor"],
        "subjects": list(values["subjects"]),
        "payload": values["payload"],
        "prev_hash": values["prev_hash"],
        "hash": values["hash"],
    }
