"""Proofs as services: prove the active policy, a stored version or a draft, and gate
activation on them (P7: a policy that fails a proof is activated only by an authenticated
commander account, with a written reason, and every officer is alerted)."""

from __future__ import annotations

import functools
import hashlib
import logging
from dataclasses import asdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.access.proofs import ProofResult, failed, prove_policy
from muster.access.proofs_properties import parse_properties, shipped_properties_text
from muster.auth.models import Account
from muster.errors import Conflict, Forbidden, Invalid
from muster.events.service import append_event
from muster.policy.actor import Actor
from muster.policy.engine import shipped_schema_text

log = logging.getLogger(__name__)

OVERRIDE_ROLE = "commander"
OFFICER_ROLES = frozenset({"commander", "officer"})
ALERT = "access.alert"


def properties_digest(text: str) -> str:
    """A short digest naming a version of the properties file."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def prove_text(policy_text: str, properties_text: str | None = None) -> list[ProofResult]:
    """Prove the properties in force (or ``properties_text``) for a policy text."""
    return list(_proved(policy_text, properties_text or shipped_properties_text()))


@functools.lru_cache(maxsize=32)
def _proved(policy_text: str, properties_text: str) -> tuple[ProofResult, ...]:
    """The proofs of one policy text against one properties text. They are a function of the
    two texts and this build's schema alone, so a text proved once in this process (the
    editor's "prove", then the activation of the same text) is not proved again; a text that
    fails to parse raises each time (exceptions are not kept)."""
    properties = parse_properties(properties_text)
    return tuple(prove_policy(policy_text, shipped_schema_text(), properties))


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


def commander_account(session: Session, actor: Actor) -> Account | None:
    """The active account behind ``actor`` if it is an operator who signed in (a console
    session, a token or the CLI's sign-in) and holds the commander role, else None."""
    if actor.kind not in ("account", "token") or not actor.account_id:
        return None
    account = session.get(Account, actor.account_id)
    if account is None or not account.active or OVERRIDE_ROLE not in account.roles:
        return None
    return account if actor.has_role(OVERRIDE_ROLE) else None


def station_officers(session: Session) -> list[Account]:
    """Every active account holding an officer's role (commander or officer)."""
    rows = session.scalars(select(Account).where(Account.active.is_(True)).order_by(Account.id))
    return [a for a in rows if OFFICER_ROLES.intersection(a.roles)]


def gate_activation(
    session: Session,
    *,
    policy_text: str,
    version_id: str,
    actor: Actor,
    override_reason: str | None = None,
) -> list[ProofResult]:
    """Prove a policy about to be activated; refuse it if a property fails.

    Conflict with every failure explained; with an override, only an authenticated
    commander account may go on, with a written reason, and an ``access.alert`` event,
    addressed to every officer's account, records who, why and what failed.
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
    commander = commander_account(session, actor)
    if commander is None:
        raise Forbidden(
            "only the commander, signed in with their own account, may activate a policy "
            f"that fails a safety property; {actor.label} is not a commander's account",
            action="policy.activate.override",
        )
    reason = override_reason.strip()
    if not reason:
        raise Invalid("an override needs a written reason: say why the station needs this now")
    failed_ids = [r.property_id for r in failing]
    log.warning(
        "policy %s activated by %s despite failing %s: %s",
        version_id,
        actor.label,
        ", ".join(failed_ids),
        reason,
    )
    officers = station_officers(session)
    append_event(
        session,
        kind=ALERT,
        actor=actor,
        subjects=[
            version_id,
            *(a.id for a in officers),
            *(a.person_id or "" for a in officers),
        ],
        payload={
            "alert": "policy.override",
            "audience": "officers",
            "officers": [a.username for a in officers],
            "message": f"{actor.label} activated a policy that fails safety properties",
            "commander": commander.username,
            "reason": reason,
            "failed": failed_ids,
            "explanations": [r.explanation for r in failing],
            "properties": properties_digest(shipped_properties_text()),
        },
    )
    return results
