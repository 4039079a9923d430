"""One owner per rule: entry points translate; only use cases write state or authorize."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from attacks.entry_points import EntryPoint, Finding, all_entry_points, findings_of
from muster.people.models import Person
from muster.policy.actor import Actor
from muster.policy.authorize import authorize

KNOWN_FILE = Path(__file__).with_name("side_doors.txt")


def known() -> set[str]:
    """The listed entry points that still authorize outside their use case."""
    lines = (line.strip() for line in KNOWN_FILE.read_text().splitlines())
    return {line for line in lines if line and not line.startswith("#")}


@pytest.fixture(scope="module")
def findings(tmp_path_factory: pytest.TempPathFactory) -> list[Finding]:
    """What every entry point of Muster does outside a use case."""
    url = f"sqlite:///{tmp_path_factory.mktemp('routes') / 'unused.db'}"
    entries = all_entry_points(url)
    kinds = {e.name.split()[0] for e in entries}
    assert kinds == {"route", "command", "action"}, kinds
    return [f for e in entries for f in findings_of(e)]


class TestEntryPoints:
    """Routes, console pages, commands and scenario actions only call use cases."""

    def test_no_entry_point_writes_state(self, findings: list[Finding]) -> None:
        writes = [f.line() for f in findings if f.kind in ("write", "model")]
        assert writes == [], "entry points that change the database themselves"

    def test_no_new_entry_point_authorizes(self, findings: list[Finding]) -> None:
        new = sorted({f"{f.kind}: {f.entry}" for f in findings} - known())
        detail = [f.line() for f in findings if f"{f.kind}: {f.entry}" in new]
        assert detail == [], "authorize inside the use case, not in its entry point"

    def test_listed_side_doors_still_exist(self, findings: list[Finding]) -> None:
        fixed = sorted(known() - {f"{f.kind}: {f.entry}" for f in findings})
        assert fixed == [], f"fixed: delete these lines from {KNOWN_FILE.name}"


def _route_writing(session: Session, actor: Actor) -> None:
    authorize(actor, "registry.write")
    session.add(Person(name="x"))


def _route_helper(session: Session) -> None:
    session.delete(session.get(Person, "p"))


def _route_calling_helper(session: Session) -> None:
    _route_helper(session)


class TestFindings:
    """The check sees an authorize call, a write and a row built, also in a module helper."""

    def test_finds_authorize_model_and_write(self) -> None:
        kinds = {f.kind for f in findings_of(EntryPoint("route POST /x", _route_writing))}
        assert kinds == {"authorize", "model", "write"}

    def test_follows_helpers_of_the_same_module(self) -> None:
        found = findings_of(EntryPoint("route POST /y", _route_calling_helper))
        assert [f.kind for f in found] == ["write"]
        assert "_route_helper" in found[0].where

    def test_reads_may_authorize(self) -> None:
        found = findings_of(EntryPoint("route GET /x", _route_writing, writes=False))
        assert {f.kind for f in found} == {"model", "write"}
