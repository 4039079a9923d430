"""The reference crisis replayed with its airlocks behind door controllers
(``muster demo --headless --doors`` runs the same)."""

from __future__ import annotations

from pathlib import Path

from muster.door.exercise import DoorBank
from muster.scenario import runner
from muster.scenario.cli import _load, crisis_path


def test_crisis_replay_behind_doors_passes(tmp_path: Path) -> None:
    """Every expectation holds, and every airlock request and passage of the replay went
    through a door (its journal uploaded, nothing left); internal doors stay central."""
    db = runner.fresh_sqlite(tmp_path / "crisis.db")
    try:
        runner.prepare(db)
        bank = DoorBank(db, tmp_path / "doors")
        report = runner.run_plan(db, _load(crisis_path(), as_json=False), doors=bank)
    finally:
        db.dispose()
    failed = [e for e in report.expectations if not e.held]
    assert report.passed, failed
    requests = [i for i in report.injects if i.action == "access.request"]
    at_airlocks = [i for i in requests if " airlock, " in i.detail]
    assert at_airlocks
    assert all(i.detail.endswith("(decided at the door)") for i in at_airlocks), at_airlocks
    assert not any("decided at the door" in i.detail for i in requests if i not in at_airlocks)
    assert bank.doors  # one per airlock asked
    for door in bank.doors.values():
        kinds = {e.kind for e in door.journal.entries()}
        assert "request" in kinds
        assert door.journal.pending_count() == 0
    assert any("passage" in {e.kind for e in d.journal.entries()} for d in bank.doors.values())
