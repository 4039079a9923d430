"""The policy in force in this process: the version activated last, kept current.

Every path that authorizes (the API per request, the CLI per command, the airlock
decisions) calls ``sync_active_engine`` first, so a policy the commander activated is the
one every operator action is decided on, whichever process activated it. Saving, proving
and activating versions is ``muster.access.policy_store``; this module imports none of it,
so a command that only reads starts without the proofs.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.access.models import PolicyVersion
from muster.errors import DomainError
from muster.policy.engine import (
    PolicyEngine,
    active_engine,
    install_engine,
    shipped_engine,
    shipped_schema_text,
)

log = logging.getLogger(__name__)

SHIPPED = "shipped"
_lock = threading.Lock()
_engines: dict[str, PolicyEngine] = {}


def build_engine(policy_text: str, *, version: str = "draft") -> PolicyEngine:
    """Parse and validate ``policy_text`` against this build's schema (raises Invalid)."""
    return PolicyEngine(policy_text=policy_text, schema_text=shipped_schema_text(), version=version)


def active_version_id(session: Session) -> str:
    """Id of the active version, or "shipped" when none was ever activated."""
    query = (
        select(PolicyVersion.id)
        .where(PolicyVersion.activated_at.is_not(None))
        .order_by(PolicyVersion.activated_at.desc(), PolicyVersion.number.desc())
        .limit(1)
    )
    return session.scalar(query) or SHIPPED


def engine_for_version(session: Session, version_id: str) -> PolicyEngine:
    """The parsed engine of a stored version (or "shipped"), cached per process."""
    if version_id == SHIPPED:
        return shipped_engine()
    with _lock:
        cached = _engines.get(version_id)
    if cached is not None:
        return cached
    row = session.get(PolicyVersion, version_id)
    if row is None:  # a version's number, or no such version: its lookup and its message
        from muster.access.policy_store import get_version

        row = get_version(session, version_id)
    with _lock:
        cached = _engines.get(row.id)
    if cached is not None:
        return cached
    engine = build_engine(row.policy_text, version=row.id)
    with _lock:
        _engines[row.id] = engine
    return engine


def remember_engine(version_id: str, engine: PolicyEngine) -> None:
    """Keep a stored version's parsed engine for this process (it was just validated)."""
    with _lock:
        _engines[version_id] = engine


def sync_active_engine(session: Session) -> PolicyEngine:
    """Put the database's active version in force in this process, if it is not already.

    A stored version that no longer validates against this build's schema is not used: the
    process stays on the shipped policy and logs why (decisions never run on a policy that
    does not match the schema).
    """
    version_id = active_version_id(session)
    current = active_engine()
    if current.version == version_id:
        return current
    try:
        engine = engine_for_version(session, version_id)
    except DomainError as exc:
        log.error("active policy %s cannot be used, shipped policy in force: %s", version_id, exc)
        engine = shipped_engine()
    install_engine(engine)
    return engine
