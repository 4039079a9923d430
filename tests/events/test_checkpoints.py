"""Tests for muster.events.checkpoints, signing and the ``muster audit`` proof commands."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from muster.cli.main import app
from muster.config import get_settings
from muster.db import Database
from muster.events import checkpoints
from muster.events.chain import GENESIS_HASH, ChainFields, event_hash
from muster.events.models import Event
from muster.events.service import append_event
from muster.policy.actor import Actor

runner = CliRunner()


@pytest.fixture
def keyed(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The test database named to the CLI, five events in it, and a fresh signing key."""
    monkeypatch.setenv("MUSTER_DATABASE_URL", db.url)
    key = tmp_path / "checkpoint.key"
    monkeypatch.setenv("MUSTER_CHECKPOINT_KEY_FILE", str(key))
    get_settings.cache_clear()
    result = runner.invoke(app, ["audit", "keygen", str(key)])
    assert result.exit_code == 0, result.output
    (tmp_path / "station.pub").write_text(result.stdout)
    _append(db, 5)
    yield tmp_path
    get_settings.cache_clear()


def _append(db: Database, n: int) -> None:
    with db.session_scope() as s:
        for i in range(n):
            append_event(s, kind="test.thing.done", actor=Actor.system("t"), payload={"i": i})


def _checkpoint(folder: Path, name: str = "head.json") -> Path:
    out = folder / name
    result = runner.invoke(app, ["audit", "checkpoint", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _verify(folder: Path, checkpoint: Path) -> Any:
    return runner.invoke(
        app,
        [
            "audit",
            "verify",
            "--checkpoint",
            str(checkpoint),
            "--public-key",
            str(folder / "station.pub"),
        ],
    )


def _rechain(db: Database) -> None:
    """Recompute every hash in order, as an attacker with write access to the database would."""
    with db.engine.begin() as conn:
        rows = conn.execute(
            select(Event.seq, Event.at, Event.kind, Event.actor_id, Event.actor)
            .add_columns(Event.subjects, Event.payload)
            .order_by(Event.seq)
        ).all()
        prev = GENESIS_HASH
        for seq, at, kind, actor_id, actor, subjects, payload in rows:
            fields = ChainFields(seq, at, kind, actor_id, actor, list(subjects), payload)
            digest = event_hash(prev, fields)
            conn.execute(
                text("UPDATE events SET prev_hash = :p, hash = :h WHERE seq = :s"),
                {"p": prev, "h": digest, "s": seq},
            )
            prev = digest


class TestKeygen:
    """``muster audit keygen`` writes a private key for the service alone and never overwrites."""

    def test_key_file_is_private(self, keyed: Path) -> None:
        """The key is mode 0600 and its public half is printed as PEM."""
        mode = os.stat(keyed / "checkpoint.key").st_mode & 0o777
        assert mode == 0o600
        assert "BEGIN PUBLIC KEY" in (keyed / "station.pub").read_text()

    def test_existing_key_is_not_overwritten(self, keyed: Path) -> None:
        """A second keygen to the same path fails and leaves the key as it was."""
        before = (keyed / "checkpoint.key").read_bytes()
        result = runner.invoke(app, ["audit", "keygen", str(keyed / "checkpoint.key")])
        assert result.exit_code != 0
        assert "never overwritten" in result.output
        assert (keyed / "checkpoint.key").read_bytes() == before

    def test_key_readable_by_others_is_refused(self, keyed: Path) -> None:
        """A key file others can read is refused with the chmod to fix it."""
        os.chmod(keyed / "checkpoint.key", 0o644)
        checkpoints._signing_key.cache_clear()
        result = runner.invoke(app, ["audit", "checkpoint"])
        assert result.exit_code != 0
        assert "chmod 600" in result.output


class TestVerifyAgainstCheckpoint:
    """``verify --checkpoint`` catches every way of rewriting what a checkpoint signed."""

    def test_intact_and_extended_log_verifies(self, keyed: Path, db: Database) -> None:
        """A log that grew after the checkpoint still extends it."""
        head = _checkpoint(keyed)
        _append(db, 3)
        result = _verify(keyed, head)
        assert result.exit_code == 0, result.output
        assert "extends the 5 events" in result.output

    def test_cut_tail_is_caught(self, keyed: Path, db: Database) -> None:
        """Deleting the last events, which leaves a valid chain, is caught."""
        head = _checkpoint(keyed)
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM event_subjects WHERE seq >= 4"))
            conn.execute(text("DELETE FROM events WHERE seq >= 4"))
        assert runner.invoke(app, ["audit", "verify"]).exit_code == 0  # the chain alone passes
        result = _verify(keyed, head)
        assert result.exit_code != 0
        assert "tail was cut" in result.output

    def test_rewrite_with_recomputed_hashes_is_caught(self, keyed: Path, db: Database) -> None:
        """An altered payload with later hashes recomputed passes the chain, not the checkpoint."""
        head = _checkpoint(keyed)
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE events SET payload = :p WHERE seq = 2"), {"p": '{"i": 9}'})
        _rechain(db)
        assert runner.invoke(app, ["audit", "verify"]).exit_code == 0
        result = _verify(keyed, head)
        assert result.exit_code != 0
        assert "rewritten" in result.output

    def test_reordered_events_are_caught(self, keyed: Path, db: Database) -> None:
        """Two events' contents swapped and the chain recomputed is caught."""
        head = _checkpoint(keyed)
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE events SET payload = :p WHERE seq = 2"), {"p": '{"i": 2}'})
            conn.execute(text("UPDATE events SET payload = :p WHERE seq = 3"), {"p": '{"i": 1}'})
        _rechain(db)
        result = _verify(keyed, head)
        assert result.exit_code != 0

    def test_deleted_event_is_caught(self, keyed: Path, db: Database) -> None:
        """An event deleted from the middle is caught (the chain names the gap)."""
        head = _checkpoint(keyed)
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM event_subjects WHERE seq = 3"))
            conn.execute(text("DELETE FROM events WHERE seq = 3"))
        result = _verify(keyed, head)
        assert result.exit_code != 0
        assert "event 3" in result.output

    def test_forged_checkpoint_is_refused(self, keyed: Path) -> None:
        """A checkpoint file edited to match a rewritten log fails its signature."""
        head = _checkpoint(keyed)
        data = json.loads(head.read_text())
        data["size"] = 4
        head.write_text(json.dumps(data))
        result = _verify(keyed, head)
        assert result.exit_code != 0
        assert "signature does not verify" in result.output

    def test_checkpoint_from_another_key_is_refused(self, keyed: Path) -> None:
        """A checkpoint checked against another station's key names both keys."""
        head = _checkpoint(keyed)
        other = runner.invoke(app, ["audit", "keygen", str(keyed / "other.key")])
        (keyed / "other.pub").write_text(other.stdout)
        result = runner.invoke(
            app,
            [
                "audit",
                "verify",
                "--checkpoint",
                str(head),
                "--public-key",
                str(keyed / "other.pub"),
            ],
        )
        assert result.exit_code != 0
        assert "not by the key given" in result.output


class TestProofs:
    """Inclusion and consistency proofs verify offline and fail on a tampered log or file."""

    def test_inclusion_proof_checks_offline(self, keyed: Path) -> None:
        """``prove SEQ`` then ``check FILE`` with only the public key holds."""
        _checkpoint(keyed)
        proof = keyed / "proof.json"
        assert runner.invoke(app, ["audit", "prove", "3", "--out", str(proof)]).exit_code == 0
        result = runner.invoke(
            app, ["audit", "check", str(proof), "--public-key", str(keyed / "station.pub")]
        )
        assert result.exit_code == 0, result.output
        assert "event 3" in result.output

    def test_tampered_event_in_proof_fails(self, keyed: Path) -> None:
        """An event whose content was edited in the proof file does not check."""
        _checkpoint(keyed)
        proof = keyed / "proof.json"
        runner.invoke(app, ["audit", "prove", "3", "--out", str(proof)])
        data = json.loads(proof.read_text())
        data["event"]["payload"] = {"i": 99}
        proof.write_text(json.dumps(data))
        result = runner.invoke(
            app, ["audit", "check", str(proof), "--public-key", str(keyed / "station.pub")]
        )
        assert result.exit_code != 0
        assert "does not match its own hash" in result.output

    def test_proof_from_rewritten_log_fails(self, keyed: Path, db: Database) -> None:
        """After a rewrite with recomputed hashes, a proof against the old checkpoint fails."""
        head = _checkpoint(keyed)
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE events SET payload = :p WHERE seq = 1"), {"p": '{"i": 5}'})
        _rechain(db)
        proof = keyed / "proof.json"
        result = runner.invoke(
            app, ["audit", "prove", "4", "--checkpoint", str(head), "--out", str(proof)]
        )
        assert result.exit_code == 0, result.output
        result = runner.invoke(
            app, ["audit", "check", str(proof), "--public-key", str(keyed / "station.pub")]
        )
        assert result.exit_code != 0
        assert "different root" in result.output

    def test_consistency_between_checkpoints(self, keyed: Path, db: Database) -> None:
        """The checkpoint of 8 events is proved to extend the one of 5."""
        _checkpoint(keyed, "a.json")
        _append(db, 3)
        _checkpoint(keyed, "b.json")
        proof = keyed / "consistency.json"
        result = runner.invoke(
            app, ["audit", "prove", "--consistency", "5", "8", "--out", str(proof)]
        )
        assert result.exit_code == 0, result.output
        result = runner.invoke(
            app, ["audit", "check", str(proof), "--public-key", str(keyed / "station.pub")]
        )
        assert result.exit_code == 0, result.output
        assert "extends the log of 5 events" in result.output
        data = json.loads(proof.read_text())
        data["path"][0] = "00" * 32
        proof.write_text(json.dumps(data))
        result = runner.invoke(
            app, ["audit", "check", str(proof), "--public-key", str(keyed / "station.pub")]
        )
        assert result.exit_code != 0


class TestTimedCheckpoints:
    """The timed job signs the head when it moved, after N events or some seconds."""

    def test_signs_only_when_due(self, keyed: Path, db: Database) -> None:
        """It signs at first, not again until the head moved and the interval passed."""
        from datetime import timedelta

        from muster import clock

        with db.session_scope() as s:
            assert checkpoints.run_due_checkpoint(s, now=clock.now()) == 1
        with db.session_scope() as s:
            assert checkpoints.run_due_checkpoint(s, now=clock.now()) == 0
        _append(db, 1)
        with db.session_scope() as s:
            assert checkpoints.run_due_checkpoint(s, now=clock.now()) == 0
            later = clock.now() + timedelta(seconds=get_settings().checkpoint_seconds + 1)
            assert checkpoints.run_due_checkpoint(s, now=later) == 1
            latest = checkpoints.latest_checkpoint(s)
        assert latest is not None
        assert latest.size == 6


class TestAuditApi:
    """The proofs over HTTP, for operators who may read the record."""

    def test_latest_checkpoint_and_inclusion_proof(self, keyed: Path, client: Any) -> None:
        """An administrator reads the newest checkpoint and a proof that checks offline."""
        _checkpoint(keyed)
        latest = client.get("/api/v1/audit/checkpoints/latest")
        assert latest.status_code == 200, latest.text
        assert latest.json()["size"] >= 5
        proof = client.get("/api/v1/audit/proofs/inclusion/2")
        assert proof.status_code == 200, proof.text
        from muster.events.signing import load_public_key

        public = load_public_key(keyed / "station.pub")
        assert "event 2" in checkpoints.check_proof(proof.json(), public=public)

    def test_unknown_event_is_404(self, keyed: Path, client: Any) -> None:
        """A proof for an event that does not exist is a 404 problem."""
        _checkpoint(keyed)
        assert client.get("/api/v1/audit/proofs/inclusion/999").status_code == 404


class TestRowVersionsUnderCheckpoint:
    """The checkpoint also signs the record of table rows, so cutting it is caught."""

    def test_cut_row_versions_are_caught(self, keyed: Path, db: Database) -> None:
        """Row versions deleted after a checkpoint (to hide a hand edit) fail verification."""
        from muster.auth import service as auth_service

        with db.session_scope() as s:
            auth_service.create_account(
                s,
                username="ada",
                display_name="Ada",
                roles=["guard"],
                password="correct horse battery",
                actor=Actor.system("t"),
            )
        head = _checkpoint(keyed)
        assert json.loads(head.read_text())["rows_size"] >= 1
        assert _verify(keyed, head).exit_code == 0
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM row_versions"))
            conn.execute(text("DELETE FROM accounts WHERE username = 'ada'"))
        result = _verify(keyed, head)
        assert result.exit_code != 0
        assert "record of the tables was cut" in result.output
