"""Tests for the console footer that carries the record's newest signed checkpoint."""

from __future__ import annotations

from pathlib import Path

from muster.db import Database
from muster.events.checkpoints import create_checkpoint
from muster.events.service import append_event
from muster.events.signing import generate_key, load_private_key
from muster.policy.actor import Actor

from .helpers import ConsoleKit


class TestRecordFooter:
    """Operators who read the record see its signed head on every page; others do not."""

    def test_footer_names_size_root_and_key(
        self, console: ConsoleKit, db: Database, tmp_path: Path
    ) -> None:
        """After a checkpoint, the overview's footer shows its size, root and key id."""
        key_file = tmp_path / "checkpoint.key"
        generate_key(key_file)
        with db.session_scope() as s:
            for i in range(4):
                append_event(s, kind="test.thing.done", actor=Actor.system("t"), payload={"i": i})
        with db.session_scope() as s:
            signed = create_checkpoint(s, key=load_private_key(key_file))
        page = console.signed_in("admin").get("/").text
        assert f"Record signed: {signed.size:,} events" in page
        assert signed.root[:12] in page
        assert signed.key_id in page

    def test_no_footer_before_any_checkpoint(self, console: ConsoleKit) -> None:
        """With nothing signed yet the footer is absent, not a blank or a 'None'."""
        page = console.signed_in("admin").get("/").text
        assert "Record signed" not in page
        assert "None" not in page.split("</main>")[-1]
