"""Policy versions in the database: save, validate, activate, and keep every process current.

The active policy is the latest activated version (the shipped policy until one is). Each
process checks the active version id once per request (one indexed query) and swaps its
parsed engine when another process has activated a new version.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster import clock
from muster.access.models import PolicyVersion
from muster.access.policy_active import SHIPPED as SHIPPED
from muster.access.policy_active import active_version_id as active_version_id
from muster.access.policy_active import build_engine as build_engine
from muster.access.policy_active import engine_for_version as engine_for_version
from muster.access.policy_active import remember_engine
from muster.access.policy_active import sync_active_engine as sync_active_engine
from muster.access.proofs_properties import shipped_properties_text
from muster.access.proofs_service import gate_activation
from muster.errors import Invalid, NotFound
from muster.events.service import append_event
from muster.policy.actor import Actor
from muster.policy.authorize import authorize
from muster.policy.engine import shipped_engine as shipped_engine
from muster.policy.engine import (
    shipped_policy_text,
    shipped_schema_text,
)
from muster.schemas import number_in

log = logging.getLogger(__name__)


def get_version(session: Session, ref: str) -> PolicyVersion:
    """A stored version by id or number."""
    row = session.get(PolicyVersion, ref)
    if row is None and (number := number_in(ref)) is not None:
        row = session.scalar(select(PolicyVersion).where(PolicyVersion.number == number))
    if row is None:
        raise NotFound(f"no policy version {ref!r}; see muster policy history")
    return row


def policy_text_of(session: Session, ref: str) -> tuple[str, str]:
    """(version id, policy text) for a version id or number, "active" or "shipped"."""
    if ref == "active":
        ref = active_version_id(session)
    if ref == SHIPPED:
        return SHIPPED, shipped_policy_text()
    row = get_version(session, ref)
    return row.id, row.policy_text


def save_version(
    session: Session, *, policy_text: str, comment: str, actor: Actor
) -> PolicyVersion:
    """Store a new version after validating it against the schema (Invalid if it fails)."""
    authorize(actor, "policy.write")
    if not comment.strip():
        raise Invalid("say in a comment what this version changes and why")
    build_engine(policy_text)
    number = (session.scalar(select(func.max(PolicyVersion.number))) or 0) + 1
    row = PolicyVersion(
        number=number,
        policy_text=policy_text,
        schema_text=shipped_schema_text(),
        properties_text=shipped_properties_text(),
        comment=comment.strip(),
        author_id=actor.id,
        author=actor.label,
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    append_event(
        session,
        kind="access.policy.saved",
        actor=actor,
        subjects=[row.id],
        payload={"number": number, "comment": row.comment},
    )
    return row


def activate_version(
    session: Session, *, ref: str, actor: Actor, override_reason: str | None = None
) -> PolicyVersion:
    """Make a stored version the active policy; it is validated and proved first.

    A version that fails a safety property is refused (Conflict, with why) unless the
    commander, signed in with their own account, overrides with a written reason (every
    officer is alerted; see proofs_service.gate_activation).
    """
    authorize(actor, "policy.activate")
    row = get_version(session, ref)
    engine = build_engine(row.policy_text, version=row.id)
    proofs = gate_activation(
        session,
        policy_text=row.policy_text,
        version_id=row.id,
        actor=actor,
        override_reason=override_reason,
    )
    row.activated_at = clock.now()
    row.activated_by = actor.label
    session.flush()
    append_event(
        session,
        kind="access.policy.activated",
        actor=actor,
        subjects=[row.id],
        payload={
            "number": row.number,
            "comment": row.comment,
            "rules": len(engine.rule_ids),
            "proofs": {r.property_id: r.status for r in proofs},
            "override_reason": override_reason or "",
        },
    )
    remember_engine(row.id, engine)
    return row


def list_versions(
    session: Session, *, limit: int = 50, offset: int = 0
) -> tuple[list[PolicyVersion], int]:
    """Stored versions, newest first."""
    total = session.scalar(select(func.count()).select_from(PolicyVersion)) or 0
    rows = session.scalars(
        select(PolicyVersion).order_by(PolicyVersion.number.desc()).limit(limit).offset(offset)
    ).all()
    return list(rows), total
