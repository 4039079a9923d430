"""Stored policy versions: validated, activated, put in force in every process."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from muster.access import policy_store
from muster.db import Database
from muster.errors import Invalid
from muster.policy.actor import Actor
from muster.policy.engine import active_engine, install_engine, shipped_policy_text

JOHN = Actor(kind="account", id="acc-john", name="John", roles=frozenset({"commander"}))
EXTRA = (
    '\n@id("door.test.extra")\npermit (principal, action == Action::"pass", resource)\n'
    'when { principal.affiliation == "crew" };\n'
)


class TestValidation:
    """A policy that does not parse, lacks ids or misuses the schema is refused."""

    def test_missing_id(self, session: Session) -> None:
        text = shipped_policy_text() + '\npermit (principal, action == Action::"exit", resource);'
        with pytest.raises(Invalid, match="@id"):
            policy_store.save_version(session, policy_text=text, comment="x", actor=JOHN)

    def test_unknown_attribute(self, session: Session) -> None:
        text = shipped_policy_text() + (
            '\n@id("bad")\npermit (principal, action == Action::"exit", resource)'
            " when { principal.rank == 1 };"
        )
        with pytest.raises(Invalid, match="schema"):
            policy_store.save_version(session, policy_text=text, comment="x", actor=JOHN)

    def test_needs_comment(self, session: Session) -> None:
        with pytest.raises(Invalid, match="comment"):
            policy_store.save_version(
                session, policy_text=shipped_policy_text(), comment=" ", actor=JOHN
            )


class TestActivation:
    """The latest activated version is in force, in this process and in others."""

    def test_activation_reaches_other_process(self, db: Database) -> None:
        with db.session_scope() as s:
            row = policy_store.save_version(
                s, policy_text=shipped_policy_text() + EXTRA, comment="test rule", actor=JOHN
            )
            policy_store.activate_version(s, ref=str(row.number), actor=JOHN)
            version = row.id
        install_engine(None)  # another process: still on the shipped default
        assert active_engine().version == "shipped"
        with db.session_scope(write=False) as s:
            assert policy_store.sync_active_engine(s).version == version
        assert "door.test.extra" in active_engine().rule_ids.values()

    def test_history_and_author(self, session: Session) -> None:
        policy_store.save_version(
            session, policy_text=shipped_policy_text(), comment="one", actor=JOHN
        )
        policy_store.save_version(
            session, policy_text=shipped_policy_text(), comment="two", actor=JOHN
        )
        rows, total = policy_store.list_versions(session)
        assert total == 2
        assert [r.number for r in rows] == [2, 1]
        assert rows[0].author == "John"
        assert policy_store.active_version_id(session) == "shipped"
