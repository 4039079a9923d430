"""Proofs as services: prove the active policy, a stored version or a draft, and gate
activation on them (with a commander's logged override)."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict
from typing import Any

from sqlalchemy.orm import Session

from muster.access.proofs import ProofResult, failed, prove_policy
from muster.access.proofs_properties import parse_properties, shipped_properties_text
from muster.errors import Conflict, Forbidden, Invalid
from muster.events.service import append_event
from muster.policy.actor import Actor
from muster.policy.engine import shipped_schema_text

log = logging.getLogger(__name__)

OVERRIDE_ROLE = "commander"
ALERT = "access.alert"


def properties_digest(text: str) -> str:
    """A short digest naming a version of the properties file."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def prove_text(policy_text: str, properties_text: str | None = None) -> list[ProofResult]:
    """Prove the properties in force (or ``properties_text``) for a policy text."""
    properties = parse_properties(properties_text or shipped_properties_text())
    return prove_policy(policy_text, shipped_schema_text(), properties)


def prove_version(session: Session, ref: str) -> tuple[str, list[ProofResult]]:
    """(version id, results) for "active", "shipped", a version id or number."""
    from muster.access.policy_store import policy_text_of  # policy_store imports this module

    version, text = policy_text_of(session, ref)
    return version, prove_text(text)


def result_as_dict(result: ProofResult) -> dict[str, Any]:
    """A result as JSON-able values (the API, the CLI's --json, the event log)."""
    data = asdict(result)
    data["proved"] = result.proved
    return data


def refusal_message(results: list[ProofResult]) -> str:
    """Why a policy may not be activated, property by property."""
    lines = [f"{r.property_id}: {r.explanation}" for r in failed(results)]
    return (
        f"the policy fails {len(lines)} safety propert{'y' if len(lines) == 1 else 'ies'} and "
        "is not activated. " + " || ".join(lines) + ". Fix the policy, or the commander may "
        "override with a written reason."
    )


def gate_activation(
    session: Session,
    *,
    policy_text: str,
    version_id: str,
    actor: Actor,
    override_reason: str | None = None,
) -> list[ProofResult]:
    """Prove a policy about to be activated; refuse it if a property fails.

    Conflict with every failure explained; with an override, only a commander may go on,
    with a written reason, and an ``access.alert`` event records who, why and what failed.
    """
    results = prove_text(policy_text)
    failing = failed(results)
    if not failing:
        return results
    if override_reason is None:
        raise Conflict(
            refusal_message(results),
            failed=[r.property_id for r in failing],
            proofs=[result_as_dict(r) for r in failing],
        )
    if not actor.has_role(OVERRIDE_ROLE):
        raise Forbidden(
            f"only the commander may activate a policy that fails a safety property; "
            f"{actor.label} is not the commander",
            action="policy.activate.override",
        )
    if not override_reason.strip():
        raise Invalid("an override needs a written reason: say why the station needs this now")
    log.warning(
        "policy %s activated by %s despite failing %s: %s",
        version_id,
        actor.label,
        ", ".join(r.property_id for r in failing),
        override_reason.strip(),
    )
    append_event(
        session,
        kind=ALERT,
        actor=actor,
        subjects=[version_id],
        payload={
            "alert": "policy.override",
            "message": f"{actor.label} activated a policy that fails safety properties",
            "reason": override_reason.strip(),
            "failed": [r.property_id for r in failing],
            "explanations": [r.explanation for r in failing],
            "properties": properties_digest(shipped_properties_text()),
        },
    )
    return results
