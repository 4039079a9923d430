"""The policy over HTTP: versions, validation, activation, tests and what-if."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Depends, status

from muster.access import policy_checks, policy_store
from muster.access.proofs_schemas import ActivateIn, ProofsOut, ProveIn
from muster.access.proofs_service import prove_version
from muster.access.schemas import (
    CaseResultOut,
    ChangeOut,
    PolicyDraftIn,
    PolicyTestIn,
    PolicyTestOut,
    PolicyTextOut,
    PolicyVersionRead,
    WhatIfIn,
    WhatIfOut,
)
from muster.policy.authorize import authorize
from muster.policy.engine import shipped_schema_text
from muster.schemas import Page
from muster.web.deps import CurrentActor, PageDep, SessionDep


def _sync(session: SessionDep) -> None:
    policy_store.sync_active_engine(session)


router = APIRouter(prefix="/api/v1/policies", tags=["policy"], dependencies=[Depends(_sync)])


@router.get("")
def read_history(
    session: SessionDep, actor: CurrentActor, page: PageDep
) -> Page[PolicyVersionRead]:
    """Stored versions, newest first."""
    authorize(actor, "policy.read")
    rows, total = policy_store.list_versions(session, limit=page.limit, offset=page.offset)
    return Page(
        items=[PolicyVersionRead.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/{ref}")
def read_policy(ref: str, session: SessionDep, actor: CurrentActor) -> PolicyTextOut:
    """A version's text: "active", "shipped", an id or a number."""
    authorize(actor, "policy.read")
    version, text = policy_store.policy_text_of(session, ref)
    return PolicyTextOut(version=version, policy_text=text, schema_text=shipped_schema_text())


@router.post("", status_code=status.HTTP_201_CREATED)
def save_policy(body: PolicyDraftIn, session: SessionDep, actor: CurrentActor) -> PolicyVersionRead:
    """Save a new version; refused with each problem if it does not match the schema."""
    row = policy_store.save_version(
        session, policy_text=body.policy_text, comment=body.comment, actor=actor
    )
    return PolicyVersionRead.model_validate(row)


@router.post("/{ref}/activate")
def activate_policy(
    ref: str, session: SessionDep, actor: CurrentActor, body: ActivateIn | None = None
) -> PolicyVersionRead:
    """Put a stored version in force in every process (commander).

    Refused (409, with each failed safety property) unless the version proves them all or
    the commander, signed in with their own account, overrides with ``override_reason``
    (every officer is alerted).
    """
    reason = body.override_reason if body is not None else None
    return PolicyVersionRead.model_validate(
        policy_store.activate_version(session, ref=ref, actor=actor, override_reason=reason)
    )


@router.post("/prove")
def prove_draft(body: ProveIn, actor: CurrentActor) -> ProofsOut:
    """Prove a draft policy text against every safety property in force."""
    return ProofsOut.of(
        "draft", policy_checks.prove_draft(policy_text=body.policy_text, actor=actor)
    )


@router.get("/{ref}/proofs")
def prove_stored(ref: str, session: SessionDep, actor: CurrentActor) -> ProofsOut:
    """Prove a version ("active", "shipped", an id or a number) against every property."""
    authorize(actor, "policy.read")
    version, results = prove_version(session, ref)
    return ProofsOut.of(version, results)


@router.post("/whatif")
def run_whatif(body: WhatIfIn, session: SessionDep, actor: CurrentActor) -> WhatIfOut:
    """Who a draft would decide differently: the population at every airlock, the recent log."""
    result = policy_checks.whatif_draft(
        session,
        policy_text=body.policy_text,
        actor=actor,
        population_limit=body.population_limit,
        recent=body.recent,
    )
    return WhatIfOut(
        checked_population=result.checked_population,
        checked_log=result.checked_log,
        changes=[
            ChangeOut(
                **{
                    **asdict(c),
                    "rules_before": list(c.rules_before),
                    "rules_after": list(c.rules_after),
                }
            )
            for c in result.changes
        ],
    )


@router.post("/tests")
def run_policy_tests(body: PolicyTestIn, session: SessionDep, actor: CurrentActor) -> PolicyTestOut:
    """Run test cases against a version."""
    engine, results = policy_checks.run_version_tests(
        session, version=body.version, cases=[("api", c) for c in body.cases], actor=actor
    )
    passed = sum(1 for r in results if r.passed)
    return PolicyTestOut(
        version=engine.version,
        passed=passed,
        failed=len(results) - passed,
        results=[
            CaseResultOut(
                name=r.name,
                passed=r.passed,
                expected=r.expected,
                got=r.got,
                rules=list(r.rules),
                message=r.message,
            )
            for r in results
        ],
    )
