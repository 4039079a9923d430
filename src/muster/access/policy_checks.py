"""Checking a policy without putting it in force: tests, what-if and proofs, as use cases.

Each one authorizes the actor first (``policy.read`` to test or prove, ``policy.write`` to
replay the station against a draft), then computes; nothing is stored. The API, the
console's editor and the CLI call these and only translate.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from muster.access import policy_store
from muster.access.policy_tests import CaseResult, run_cases
from muster.access.proofs import ProofResult
from muster.access.proofs_service import prove_text
from muster.access.whatif import WhatIf, whatif
from muster.policy.actor import Actor
from muster.policy.authorize import authorize
from muster.policy.engine import PolicyEngine

Cases = list[tuple[str, dict[str, Any]]]


def prove_draft(*, policy_text: str, actor: Actor) -> list[ProofResult]:
    """Prove a draft policy text against every safety property in force."""
    authorize(actor, "policy.read")
    return prove_text(policy_text)


def run_version_tests(
    session: Session, *, version: str, cases: Cases, actor: Actor
) -> tuple[PolicyEngine, list[CaseResult]]:
    """Run test cases against a stored version ("active", an id or a number)."""
    authorize(actor, "policy.read")
    version = policy_store.active_version_id(session) if version == "active" else version
    engine = policy_store.engine_for_version(session, version)
    return engine, run_cases(engine, cases)


def run_draft_tests(*, policy_text: str, cases: Cases, actor: Actor) -> list[CaseResult]:
    """Run test cases against a draft policy text (validated against the schema first)."""
    authorize(actor, "policy.write")
    return run_cases(policy_store.build_engine(policy_text), cases)


def whatif_draft(
    session: Session,
    *,
    policy_text: str,
    actor: Actor,
    population_limit: int = 100_000,
    recent: int = 1000,
) -> WhatIf:
    """Who a draft would decide differently: the population at every airlock, the recent log."""
    authorize(actor, "policy.write")
    draft = policy_store.build_engine(policy_text)
    current = policy_store.sync_active_engine(session)
    return whatif(
        session, current=current, draft=draft, population_limit=population_limit, recent=recent
    )
