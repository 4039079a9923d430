"""Signed checkpoints reach the door through its feed and are checked against what it holds."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from door.conftest import DoorKit
from muster.door.controller import STALE_RULE
from muster.events.checkpoints import create_checkpoint
from muster.events.models import Checkpoint
from muster.events.signing import SignedCheckpoint, generate_key, load_private_key, sign


def _key(tmp_path: Path) -> Ed25519PrivateKey:
    generate_key(tmp_path / "station.key")
    return load_private_key(tmp_path / "station.key")


def _store(kit: DoorKit, signed: SignedCheckpoint) -> None:
    with kit.db.session_scope() as s:
        s.add(
            Checkpoint(
                size=signed.size,
                root=signed.root,
                head_hash=signed.head_hash,
                at=datetime.fromisoformat(signed.at),
                node=signed.node,
                key_id=signed.key_id,
                signature=signed.signature,
                rows_size=signed.rows_size,
                rows_head=signed.rows_head,
            )
        )


class TestCheckpointsAtTheDoor:
    """A checkpoint that agrees keeps the door fresh; one that contradicts it stops exits."""

    def test_true_checkpoint_keeps_the_door_fresh(self, kit: DoorKit, tmp_path: Path) -> None:
        """The station's own checkpoint verifies against the door's hashes."""
        key = _key(tmp_path)
        kit.link.public_key = key.public_key()
        with kit.db.session_scope() as s:
            create_checkpoint(s, key=key)
        with kit.link.client() as http:
            kit.link.sync_once(http)
        assert kit.door.freshness.problem == ""
        assert kit.decide("Ana", "exit")["allowed"] == 1

    def test_rewritten_log_is_caught(self, kit: DoorKit, tmp_path: Path) -> None:
        """A validly signed checkpoint over a log that differs from what the door received
        (the record rewritten and signed again) fails the door secure, saying why."""
        key = _key(tmp_path)
        kit.link.public_key = key.public_key()
        seq, n = kit.heads()
        forged = sign(
            key,
            SignedCheckpoint(
                size=seq,
                root="00" * 32,
                head_hash="ab" * 32,
                at=datetime.now(UTC).isoformat(),
                node="rewritten",
                key_id="",
                signature="",
                rows_size=n,
                rows_head="cd" * 32,
            ),
        )
        _store(kit, forged)
        with kit.link.client() as http:
            kit.link.sync_once(http)
        assert "rewritten" in kit.door.freshness.problem
        answer = kit.decide("Ana", "exit")
        assert answer["decisions"][0]["rule_ids"] == [STALE_RULE]
        assert "failed verification" in answer["alert"]

    def test_checkpoint_from_another_key_is_refused(self, kit: DoorKit, tmp_path: Path) -> None:
        """A checkpoint not signed by the station's key fails the door secure."""
        kit.link.public_key = _key(tmp_path).public_key()
        other = tmp_path / "other"
        other.mkdir()
        with kit.db.session_scope() as s:
            create_checkpoint(s, key=_key(other))
        with kit.link.client() as http:
            kit.link.sync_once(http)
        assert "does not verify" in kit.door.freshness.problem
