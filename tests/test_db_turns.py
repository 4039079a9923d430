"""SQLite writers of one process take turns at the file (muster.db): a turn is held from
``BEGIN IMMEDIATE`` until the transaction ends, however it ends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from muster.db import Database, _write_turn


@pytest.fixture
def file_db(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'turns.db'}")
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    yield db
    db.dispose()


def _failing_write(db: Database) -> None:
    with db.session_scope() as s:
        s.execute(text("INSERT INTO t VALUES (2)"))
        raise RuntimeError("the service failed")


def _turn(db: Database) -> bool:
    return _write_turn(str(Path(db.engine.url.database or "").resolve())).locked()


def test_a_write_transaction_holds_the_turn_until_commit(file_db: Database) -> None:
    with file_db.session_scope() as s:
        s.execute(text("INSERT INTO t VALUES (1)"))
        assert _turn(file_db)
    assert not _turn(file_db)


def test_a_read_transaction_takes_no_turn(file_db: Database) -> None:
    with file_db.session_scope(write=False) as s:
        assert s.execute(text("SELECT count(*) FROM t")).scalar() == 0
        assert not _turn(file_db)


def test_the_turn_is_given_back_on_rollback_and_on_error(file_db: Database) -> None:
    s = file_db.write_session()
    s.execute(text("INSERT INTO t VALUES (1)"))
    s.rollback()
    s.close()
    assert not _turn(file_db)
    with pytest.raises(RuntimeError):
        _failing_write(file_db)
    assert not _turn(file_db)
    with file_db.session_scope() as s3:  # and the next writer gets in
        s3.execute(text("INSERT INTO t VALUES (3)"))
    with file_db.session_scope(write=False) as s4:
        assert s4.execute(text("SELECT n FROM t")).scalars().all() == [3]


def test_the_turn_is_given_back_when_the_connection_is_dropped(file_db: Database) -> None:
    s = file_db.write_session()
    s.execute(text("INSERT INTO t VALUES (1)"))
    s.connection().invalidate()  # closed for real mid-transaction, not returned to the pool
    assert not _turn(file_db)
    s.close()
