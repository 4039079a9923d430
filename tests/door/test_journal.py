"""The journal: entries written together share a commit; a bad one fails alone."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from muster.door.journal import REQUEST, Journal


class TestGroupCommit:
    """Concurrent writers all land, in one or more shared commits, each once."""

    def test_concurrent_writes_all_land(self, tmp_path: Path) -> None:
        """Twenty threads writing at once: twenty entries, every key once."""
        journal = Journal(tmp_path / "journal.db")
        start = threading.Barrier(20)

        def write(i: int) -> None:
            start.wait()
            journal.write(key=f"k{i}", kind=REQUEST, portal_id="p", body={"i": i})

        threads = [threading.Thread(target=write, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(e.key for e in journal.entries()) == sorted(f"k{i}" for i in range(20))
        assert journal.pending_count() == 20

    def test_key_used_twice_fails_alone(self, tmp_path: Path) -> None:
        """The second write of a key raises; the entry is there once; others still land."""
        journal = Journal(tmp_path / "journal.db")
        journal.write(key="same", kind=REQUEST, portal_id="p", body={})
        with pytest.raises(IntegrityError):
            journal.write(key="same", kind=REQUEST, portal_id="p", body={})
        journal.write(key="next", kind=REQUEST, portal_id="p", body={})
        assert [e.key for e in journal.entries()] == ["same", "next"]
