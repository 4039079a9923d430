"""The consent case as Cedar sees it, and welfare decisions explained in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.access.holds import open_holds
from muster.errors import Forbidden
from muster.medical.enums import ScreeningKind, ScreeningResult
from muster.medical.models import Screening
from muster.medical.screening import latest_results
from muster.policy.actor import Actor
from muster.policy.authorize import Resource, decide_operator
from muster.welfare.enums import Assessment, Capacity, StepKind
from muster.welfare.findings import earlier_officer_ids
from muster.welfare.models import CaseStep, ConsentCase

# Why a rule of welfare.cedar stopped a step, said to the operator.
RULE_WORDS = {
    "consent.interview.forbid.same-officer-twice": (
        "you have already interviewed this person for this case; the second interview must "
        "be held by a different welfare officer"
    ),
    "consent.interview.forbid.receiving-party-present": (
        "a member of the receiving party is present; hold the interview without them"
    ),
    "consent.approve.forbid.interviewer": (
        "you interviewed this person for this case; the approval must come from an officer "
        "who conducted neither interview"
    ),
    "consent.approve.forbid.approved-already": "you have already approved this case",
    "consent.approve.forbid.incomplete": (
        "the case is not complete: it needs two interviews assessed free choice, no doubt or "
        "coercion on record, a current negative screening and no hold"
    ),
    "consent.forbid.unidentified-officer": (
        "this step is taken in person: sign in with an account linked to your person record"
    ),
    "consent.forbid.own-case": "no one takes a step in their own case",
    "consent.forbid.earlier-case-officer": (
        "you took part in an earlier case of this person for this vessel that found them "
        "coerced or unwilling; this case needs officers who had no part in that one"
    ),
    "consent.forbid.case-not-open": "the case is no longer open",
    "consent.grant.forbid.commander-approval-pending": "the commander's approval is pending",
}


@dataclass(frozen=True)
class ScreeningState:
    """What the person's screenings say now, for a consent case or a check-up."""

    clear: bool
    positive: bool
    screening: Screening | None
    reason: str


def screening_state(
    session: Session, person_id: str, *, at: datetime, window: timedelta
) -> ScreeningState:
    """Clear when the latest nanite screening is negative and no older than ``window`` and
    no latest screening of any kind is positive or inconclusive."""
    latest = latest_results(session, person_id)
    nanite = latest.get(ScreeningKind.NANITE)
    if any(s.result is ScreeningResult.POSITIVE for s in latest.values()):
        positive = next(s for s in latest.values() if s.result is ScreeningResult.POSITIVE)
        return ScreeningState(False, True, positive, f"positive {positive.kind.value} screening")
    # An inconclusive result of any kind holds (P4): it is not clear.
    unsure = [s for s in latest.values() if s.result is ScreeningResult.INCONCLUSIVE]
    if unsure:
        why = f"the latest {unsure[0].kind.value} screening is inconclusive"
        return ScreeningState(False, False, unsure[0], why)
    if nanite is None:
        return ScreeningState(False, False, None, "no nanite screening on record")
    if nanite.result is not ScreeningResult.NEGATIVE:
        return ScreeningState(False, False, nanite, "the latest nanite screening is inconclusive")
    if nanite.performed_at < at - window:
        hours = window.total_seconds() / 3600
        return ScreeningState(
            False, False, nanite, f"the latest nanite screening is older than {hours:g} hours"
        )
    return ScreeningState(True, False, nanite, "negative nanite screening within the window")


def case_steps(session: Session, case_id: str) -> list[CaseStep]:
    """The steps of a case in the order they were taken."""
    query = select(CaseStep).where(CaseStep.case_id == case_id).order_by(CaseStep.at, CaseStep.id)
    return list(session.scalars(query).all())


def case_resource(
    session: Session, case: ConsentCase, *, at: datetime, window: timedelta
) -> Resource:
    """The case as a Cedar ``ConsentCase`` entity, computed from its steps and the record."""
    steps = case_steps(session, case.id)
    interviews = [s for s in steps if s.kind is StepKind.INTERVIEW]
    approvals = [s for s in steps if s.kind is StepKind.APPROVAL]
    attrs: dict[str, Any] = {
        "person_id": case.person_id,
        "vessel_party_id": case.vessel_party_id,
        "status": case.status.value,
        "interviewer_ids": sorted({s.officer_person_id or "" for s in interviews}),
        "free_choice_interviews": sum(
            1 for s in interviews if s.assessment is Assessment.FREE_CHOICE
        ),
        "concern_found": any(s.assessment is not Assessment.FREE_CHOICE for s in interviews),
        "screening_clear": screening_state(session, case.person_id, at=at, window=window).clear,
        "held": bool(open_holds(session, case.person_id)),
        "approver_ids": sorted({s.officer_person_id or "" for s in approvals}),
        "welfare_approvals": sum(1 for s in approvals if s.capacity == Capacity.WELFARE.value),
        "commander_approvals": sum(1 for s in approvals if s.capacity == Capacity.COMMANDER.value),
        "earlier_officer_ids": earlier_officer_ids(
            session,
            person_id=case.person_id,
            vessel_party_id=case.vessel_party_id,
            before=case.number,
        ),
    }
    return Resource("ConsentCase", case.id, attrs)


NO_ONE = "(no one)"  # a person id no principal has


def case_identity(case_ref: str, *, person_id: str = NO_ONE) -> Resource:
    """A case known only by the reference the caller gave, before anything is loaded.

    Its facts are the ones most favourable to a step (open, complete, clear, no one has
    acted on it yet), so a caller refused on it would be refused on every case: that
    refusal is given before any lookup, and tells nothing about the case.
    """
    attrs: dict[str, Any] = {
        "person_id": person_id or NO_ONE,
        "vessel_party_id": NO_ONE,
        "status": "open",
        "interviewer_ids": [],
        "free_choice_interviews": 2,
        "concern_found": False,
        "screening_clear": True,
        "held": False,
        "approver_ids": [],
        "welfare_approvals": 1,
        "commander_approvals": 1,
        "earlier_officer_ids": [],
    }
    return Resource("ConsentCase", case_ref, attrs)


def require_may_ever(
    actor: Actor,
    action: str,
    case_ref: str,
    context: dict[str, Any] | None = None,
    *,
    own: bool = False,
) -> None:
    """Forbidden unless ``actor`` could take ``action`` on some case (``case_identity``);
    ``own``: the step may be the person's own (opening, revoking), so judge it as theirs."""
    person_id = (actor.person_id or NO_ONE) if own else NO_ONE
    require(actor, action, case_identity(case_ref, person_id=person_id), context)


def explain_denial(rule_ids: tuple[str, ...], fallback: str) -> str:
    """The plain words for the rules that denied a step."""
    words = [RULE_WORDS.get(r, f"rule {r} forbids it") for r in rule_ids]
    return "; ".join(words) if words else fallback


def require(
    actor: Actor, action: str, resource: Resource, context: dict[str, Any] | None = None
) -> None:
    """Raise Forbidden, in plain words naming the rules, unless the policy permits the step."""
    verdict = decide_operator(actor, action, resource, context)
    if verdict.allowed:
        return
    why = explain_denial(
        verdict.rule_ids, verdict.reason or "no rule of the active policy permits it"
    )
    raise Forbidden(
        f"{actor.label} may not {action} on consent case: {why}.",
        action=action,
        rules=list(verdict.rule_ids),
    )
