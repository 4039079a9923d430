"""Tests for muster.events.rows: the tables the airlocks read are a projection of the record."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table, insert, select, text, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from muster.cli.main import app
from muster.config import get_settings
from muster.db import Base, Database
from muster.events.rows import AUDITED_TABLES, verify_projection
from muster.scenario.cli import crisis_path
from muster.scenario.loader import load_scenario
from muster.scenario.runner import run_plan

pytestmark = pytest.mark.slow  # runs early: see pytest_collection_modifyitems

runner = CliRunner()


@pytest.fixture(scope="module")
def crisis_file(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference crisis replayed once into a SQLite file, copied by each test."""
    path = tmp_path_factory.mktemp("crisis") / "crisis.db"
    shutil.copyfile(sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    try:
        _replay(database)
    finally:
        database.dispose()
    return path


def _replay(database: Database) -> None:
    report = run_plan(database, load_scenario(crisis_path()))
    assert report.passed, [e for e in report.expectations if not e.held]


@pytest.fixture
def station(
    db: Database, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Database]:
    """The reference crisis in the test database, named to the CLI."""
    if db.engine.dialect.name == "sqlite":
        db.dispose()
        shutil.copyfile(request.getfixturevalue("crisis_file"), db.engine.url.database or "")
    else:
        _replay(db)
    monkeypatch.setenv("MUSTER_DATABASE_URL", db.url)
    get_settings.cache_clear()
    yield db
    get_settings.cache_clear()


def _tables() -> dict[str, Table]:
    return {t.name: t for t in Base.metadata.sorted_tables if t.name in AUDITED_TABLES}


def _text_column(table: Table) -> str | None:
    """A plain text column that is not part of the key, to alter by hand."""
    for column in table.columns:
        if column.primary_key or column.foreign_keys:
            continue
        if getattr(column.type, "length", None) and column.type.python_type is str:
            return column.name
    return None


def _first_row(session: Session, table: Table) -> dict[str, Any] | None:
    row = session.execute(select(table).limit(1)).mappings().first()
    return dict(row) if row else None


class TestVerifyFindsHandEdits:
    """An altered, added or deleted row in any audited table is named with its table."""

    def test_intact_station_verifies_and_each_altered_table_is_named(
        self, station: Database
    ) -> None:
        """The replay verifies; a text column changed by hand in any table is found."""
        with station.session_scope(write=False) as s:
            empty = [n for n, t in _tables().items() if _first_row(s, t) is None]
            report = verify_projection(s)
        assert len(empty) <= 5, empty  # the replay writes most audited tables
        assert report.ok, report.problem
        assert report.rows > 100
        checked = 0
        for name, table in _tables().items():
            column = _text_column(table)
            with station.session_scope() as s:
                row = _first_row(s, table)
                if row is None or column is None:
                    continue
                key = {c.name: row[c.name] for c in table.primary_key.columns}
                where = [table.c[k] == v for k, v in key.items()]
                s.execute(update(table).where(*where).values({column: "altered by hand"}))
                report = verify_projection(s)
                s.rollback()
            assert not report.ok, name
            assert report.table == name
            assert "altered outside the record" in (report.problem or "")
            assert report.seq is not None
            checked += 1
        assert checked >= 10

    def test_deleted_added_and_rewritten_rows_are_named(self, station: Database) -> None:
        """A hold deleted, a duty pass added, or a row's record rewritten by hand is found."""
        with station.session_scope() as s:
            s.execute(text("DELETE FROM holds WHERE id = (SELECT MIN(id) FROM holds)"))
            report = verify_projection(s)
            s.rollback()
        assert not report.ok
        assert report.table == "holds"
        assert "deleted outside the record" in (report.problem or "")
        table = _tables()["duty_passes"]
        with station.session_scope() as s:
            row = _first_row(s, table)
            assert row is not None
            row["id"] = "00000000-0000-0000-0000-0000000000ff"
            s.execute(insert(table).values(row))
            report = verify_projection(s)
            s.rollback()
        assert not report.ok
        assert report.table == "duty_passes"
        assert "added by hand" in (report.problem or "")
        with station.session_scope() as s:
            n, image = s.execute(text("SELECT n, image FROM row_versions LIMIT 1")).one()
            image = image if isinstance(image, dict) else json.loads(image)
            image[next(iter(image))] = "altered"
            s.execute(
                text("UPDATE row_versions SET image = :i WHERE n = :n"),
                {"i": json.dumps(image), "n": n},
            )
            report = verify_projection(s)
            s.rollback()
        assert not report.ok
        assert "does not verify" in (report.problem or "")

    def test_cli_names_a_lifted_hold_edited_by_hand(self, station: Database) -> None:
        """``muster audit verify`` fails when a hold was marked lifted in the database."""
        with station.engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE holds SET reason = 'cleared' WHERE id = "
                    "(SELECT MIN(id) FROM holds WHERE lifted_at IS NULL)"
                )
            )
        result = runner.invoke(app, ["audit", "verify"])
        assert result.exit_code != 0
        assert "holds" in result.output
        assert "altered outside the record" in result.output


class TestNoCoreWritesToAuditedTables:
    """Audited tables are written through the ORM only, so every write is captured."""

    def test_no_core_insert_update_delete_of_audited_models(self) -> None:
        """No service builds an insert/update/delete statement on an audited table."""
        import re

        import muster

        root = Path(muster.__file__).parent
        models = {t.name for t in _tables().values()}
        classes = {
            mapper.class_.__name__
            for mapper in Base.registry.mappers
            if getattr(mapper.local_table, "name", None) in models
        }
        pattern = re.compile(r"\b(insert|update|delete)\((\w+)")
        found = []
        for path in root.rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for match in pattern.finditer(path.read_text()):
                if match.group(2) in classes:
                    found.append(f"{path.relative_to(root)}: {match.group(0)}")
        assert found == []
