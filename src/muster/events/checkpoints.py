"""Signed checkpoints of the log, and the proofs a person can carry away from it.

A checkpoint signs the log's size, its RFC 9162 Merkle root and the chain hash of its last
event. Kept outside the database, it lets anyone prove later that the log still extends
what was signed (``verify_against_checkpoint``), that one event is in it (an inclusion
proof) and that a later checkpoint extends an earlier one (a consistency proof).
"""

from __future__ import annotations

import platform
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from muster import clock
from muster.config import get_settings
from muster.errors import Invalid, NotFound
from muster.events import merkle
from muster.events.chain import ChainFields, event_hash, format_time
from muster.events.models import Checkpoint, Event, RowVersion
from muster.events.rows import rows_head
from muster.events.service import event_to_dict, verify_chain
from muster.events.signing import SignedCheckpoint, check_signature, load_private_key, sign


def _leaves(session: Session, size: int) -> list[bytes]:
    rows = session.execute(select(Event.hash).where(Event.seq <= size).order_by(Event.seq))
    return [merkle.leaf_hash(bytes.fromhex(h)) for (h,) in rows]


def _head(session: Session) -> tuple[int, str] | None:
    row = session.execute(select(Event.seq, Event.hash).order_by(Event.seq.desc()).limit(1)).first()
    return (row[0], row[1]) if row else None


def _to_signed(row: Checkpoint) -> SignedCheckpoint:
    return SignedCheckpoint(
        size=row.size,
        root=row.root,
        head_hash=row.head_hash,
        at=format_time(row.at),
        node=row.node,
        key_id=row.key_id,
        signature=row.signature,
        rows_size=row.rows_size,
        rows_head=row.rows_head,
    )


def create_checkpoint(session: Session, *, key: Ed25519PrivateKey) -> SignedCheckpoint:
    """Sign the log's head as it stands in this transaction and store the checkpoint."""
    head = _head(session)
    if head is None:
        raise Invalid("the log is empty: there is nothing to sign yet")
    size, head_hash = head
    leaves = _leaves(session, size)
    if len(leaves) != size:
        raise Invalid(f"the log has {len(leaves)} events up to {size}: run muster audit verify")
    moment = clock.now()
    rows = rows_head(session)
    unsigned = SignedCheckpoint(
        size=size,
        root=merkle.root(leaves).hex(),
        head_hash=head_hash,
        at=format_time(moment),
        node=platform.node() or "muster",
        key_id="",
        signature="",
        rows_size=rows[0],
        rows_head=rows[1],
    )
    signed = sign(key, unsigned)
    session.add(
        Checkpoint(
            size=signed.size,
            root=signed.root,
            head_hash=signed.head_hash,
            at=moment,
            node=signed.node,
            key_id=signed.key_id,
            signature=signed.signature,
            rows_size=signed.rows_size,
            rows_head=signed.rows_head,
        )
    )
    session.flush()
    return signed


def latest_checkpoint(session: Session) -> SignedCheckpoint | None:
    """The newest stored checkpoint, if any."""
    row = session.scalars(select(Checkpoint).order_by(Checkpoint.id.desc()).limit(1)).first()
    return _to_signed(row) if row else None


def checkpoint_of_size(session: Session, size: int) -> SignedCheckpoint:
    """A stored checkpoint that signed a log of ``size`` events."""
    row = session.scalars(
        select(Checkpoint).where(Checkpoint.size == size).order_by(Checkpoint.id.desc()).limit(1)
    ).first()
    if row is None:
        raise NotFound(f"no checkpoint signed a log of {size} events")
    return _to_signed(row)


def checkpoint_lines(signed: dict[str, Any] | None) -> list[str]:
    """A checkpoint carried on a report (its JSON form), a field a line, for print and screen
    alike; in words when there is none yet."""
    if not signed:
        return ["No signed checkpoint of the record yet."]
    return [
        f"Events signed: {signed['size']} (row versions: {signed.get('rows_size', 0)})",
        f"Signed at: {signed['at']} by {signed['node']}, key {signed['key_id']}",
        f"Merkle root: {signed['root']}",
        f"Head hash: {signed['head_hash']}",
        f"Row versions' head: {signed.get('rows_head', '')}",
        f"Signature: {signed['signature']}",
    ]


@dataclass(frozen=True)
class CheckpointReport:
    """Whether the log still extends what a checkpoint signed."""

    ok: bool
    size: int
    problem: str | None = None


def verify_against_checkpoint(
    session: Session, *, checkpoint: SignedCheckpoint, public: Ed25519PublicKey
) -> CheckpointReport:
    """Prove the log extends ``checkpoint``: a cut tail, a deleted, reordered or rewritten
    event (even with every hash recomputed) each fail, with what was found."""
    check_signature(public, checkpoint)
    chain = verify_chain(session)
    if not chain.ok:
        return CheckpointReport(
            False,
            checkpoint.size,
            f"the chain breaks at event {chain.first_bad_seq}: {chain.problem}",
        )
    if chain.checked < checkpoint.size:
        return CheckpointReport(
            False,
            checkpoint.size,
            f"the log holds {chain.checked} events but the checkpoint signed {checkpoint.size}: "
            "its tail was cut",
        )
    at_size = session.scalar(select(Event.hash).where(Event.seq == checkpoint.size))
    if checkpoint.size and at_size != checkpoint.head_hash:
        return CheckpointReport(
            False,
            checkpoint.size,
            f"event {checkpoint.size} is not the one the checkpoint signed: the log was rewritten",
        )
    if checkpoint.rows_size:
        at_rows = session.scalar(
            select(RowVersion.hash).where(RowVersion.n == checkpoint.rows_size)
        )
        if at_rows != checkpoint.rows_head:
            return CheckpointReport(
                False,
                checkpoint.size,
                f"row version {checkpoint.rows_size} is not the one the checkpoint signed: "
                "the record of the tables was cut or rewritten",
            )
    if merkle.root(_leaves(session, checkpoint.size)).hex() != checkpoint.root:
        return CheckpointReport(
            False, checkpoint.size, "the log's Merkle root differs from the signed one"
        )
    return CheckpointReport(True, checkpoint.size)


def inclusion_proof(
    session: Session, *, seq: int, checkpoint: SignedCheckpoint | None = None
) -> dict[str, Any]:
    """Everything an investigator needs to check offline that event ``seq`` is in the log."""
    checkpoint = checkpoint or latest_checkpoint(session)
    if checkpoint is None:
        raise NotFound("no checkpoint has been signed yet: run muster audit checkpoint")
    row = session.get(Event, seq)
    if row is None:
        raise NotFound(f"there is no event {seq}")
    if seq > checkpoint.size:
        raise Invalid(f"event {seq} came after the checkpoint of {checkpoint.size} events")
    leaves = _leaves(session, checkpoint.size)
    return {
        "kind": "inclusion",
        "event": event_to_dict(row),
        "leaf_index": seq - 1,
        "tree_size": checkpoint.size,
        "path": [p.hex() for p in merkle.inclusion_path(seq - 1, leaves)],
        "checkpoint": checkpoint.to_dict(),
    }


def consistency_proof(session: Session, *, first: int, second: int) -> dict[str, Any]:
    """A proof that the stored checkpoint of ``second`` events extends the one of ``first``."""
    old = checkpoint_of_size(session, first)
    new = checkpoint_of_size(session, second)
    if first > second:
        raise Invalid("the first checkpoint must not be larger than the second")
    leaves = _leaves(session, second)
    path = merkle.consistency_path(first, leaves) if first else []
    return {
        "kind": "consistency",
        "first": old.to_dict(),
        "second": new.to_dict(),
        "path": [p.hex() for p in path],
    }


def _hex(value: Any, what: str) -> bytes:
    try:
        return bytes.fromhex(value)
    except (TypeError, ValueError) as exc:
        raise Invalid(f"{what} is not a hexadecimal hash") from exc


def check_proof(proof: Any, *, public: Ed25519PublicKey) -> str:
    """Check an exported proof offline (no database); return what it proves.

    Raises ``Invalid`` naming what does not hold. For an inclusion proof the event's
    content is re-hashed too, so an altered event in the file is caught.
    """
    if not isinstance(proof, dict) or proof.get("kind") not in {"inclusion", "consistency"}:
        raise Invalid("not a Muster proof: expected kind 'inclusion' or 'consistency'")
    try:
        if proof["kind"] == "inclusion":
            return _check_inclusion(proof, public)
        return _check_consistency(proof, public)
    except merkle.ProofError as exc:
        raise Invalid(str(exc)) from exc
    except (KeyError, TypeError) as exc:
        raise Invalid(f"the proof is incomplete: {exc}") from exc


def _check_inclusion(proof: dict[str, Any], public: Ed25519PublicKey) -> str:
    checkpoint = SignedCheckpoint.from_dict(proof["checkpoint"])
    check_signature(public, checkpoint)
    event = proof["event"]
    fields = ChainFields(
        seq=event["seq"],
        at=datetime.fromisoformat(event["at"]),
        kind=event["kind"],
        actor_id=event["actor_id"],
        actor=event["actor"],
        subjects=list(event["subjects"]),
        payload=event["payload"],
    )
    if event_hash(event["prev_hash"], fields) != event["hash"]:
        raise Invalid(f"event {event['seq']} in the proof does not match its own hash")
    if proof["leaf_index"] != event["seq"] - 1 or proof["tree_size"] != checkpoint.size:
        raise Invalid("the proof's position or size does not match its event and checkpoint")
    merkle.verify_inclusion(
        index=proof["leaf_index"],
        size=checkpoint.size,
        leaf=merkle.leaf_hash(_hex(event["hash"], "the event's hash")),
        path=[_hex(p, "a path entry") for p in proof["path"]],
        expected_root=_hex(checkpoint.root, "the checkpoint's root"),
    )
    return (
        f"event {event['seq']} ({event['kind']}, {event['at']}) is in the log signed at "
        f"{checkpoint.at} with {checkpoint.size} events"
    )


def _check_consistency(proof: dict[str, Any], public: Ed25519PublicKey) -> str:
    first = SignedCheckpoint.from_dict(proof["first"])
    second = SignedCheckpoint.from_dict(proof["second"])
    check_signature(public, first)
    check_signature(public, second)
    merkle.verify_consistency(
        first=first.size,
        second=second.size,
        first_root=_hex(first.root, "the first root"),
        second_root=_hex(second.root, "the second root"),
        path=[_hex(p, "a path entry") for p in proof["path"]],
    )
    return (
        f"the log of {second.size} events signed at {second.at} extends the log of "
        f"{first.size} events signed at {first.at}"
    )


@lru_cache(maxsize=4)
def _signing_key(path: str) -> Ed25519PrivateKey:
    return load_private_key(Path(path))


def configured_key() -> Ed25519PrivateKey | None:
    """The node's signing key from ``MUSTER_CHECKPOINT_KEY_FILE``, or None where unset."""
    path = get_settings().checkpoint_key_file
    return _signing_key(str(path)) if path else None


def run_due_checkpoint(session: Session, *, now: datetime) -> int:
    """Timed job: sign the head every few seconds and every N events, when it has moved."""
    key = configured_key()
    head = _head(session)
    if key is None or head is None:
        return 0
    settings = get_settings()
    last = session.scalars(select(Checkpoint).order_by(Checkpoint.id.desc()).limit(1)).first()
    if last is not None:
        if last.size >= head[0]:
            return 0
        waited = now - last.at >= timedelta(seconds=settings.checkpoint_seconds)
        if not waited and head[0] - last.size < settings.checkpoint_events:
            return 0
    create_checkpoint(session, key=key)
    return 1
