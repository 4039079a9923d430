"""Earlier findings that follow a person to their next case for the same vessel.

An interview that found the person coerced, or unwilling to go, bars a new case for that
person and vessel for a cooling-off period (``MUSTER_WELFARE_COOLING_OFF_HOURS``, 72 by
default). The finding is shown on every later case for that vessel, and no one who took a
step in the earlier case may interview or approve in a later one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.auth.models import Account, ApiToken
from muster.welfare.enums import Assessment, StepKind
from muster.welfare.models import CaseStep, ConsentCase

BARRING_ASSESSMENTS = (Assessment.COERCED, Assessment.UNWILLING)


@dataclass(frozen=True)
class Finding:
    """One interview of an earlier case that found coercion or unwillingness."""

    case_number: int
    assessment: Assessment
    by: str
    at: datetime

    def words(self) -> str:
        """The finding in plain words, for the later case."""
        return (
            f"case W-{self.case_number}: interview of {self.at:%Y-%m-%d %H:%M} UTC by "
            f"{self.by} found the person {self.assessment.value}"
        )


def _earlier_cases(
    session: Session, person_id: str, vessel_party_id: str, before: int | None
) -> list[ConsentCase]:
    query = select(ConsentCase).where(
        ConsentCase.person_id == person_id, ConsentCase.vessel_party_id == vessel_party_id
    )
    if before is not None:
        query = query.where(ConsentCase.number < before)
    return list(session.scalars(query.order_by(ConsentCase.number)).all())


def _barring_steps(session: Session, case_ids: list[str]) -> list[CaseStep]:
    if not case_ids:
        return []
    query = select(CaseStep).where(
        CaseStep.case_id.in_(case_ids),
        CaseStep.kind == StepKind.INTERVIEW,
        CaseStep.assessment.in_(BARRING_ASSESSMENTS),
    )
    return list(session.scalars(query.order_by(CaseStep.at, CaseStep.id)).all())


def earlier_findings(
    session: Session, *, person_id: str, vessel_party_id: str, before: int | None = None
) -> list[Finding]:
    """Coercion or unwillingness found in the person's cases for this vessel (numbered
    below ``before`` when given), oldest first."""
    cases = _earlier_cases(session, person_id, vessel_party_id, before)
    numbers = {c.id: c.number for c in cases}
    return [
        Finding(numbers[s.case_id], Assessment(s.assessment or ""), s.by, s.at)
        for s in _barring_steps(session, list(numbers))
    ]


def barred_until(findings: list[Finding], cooling_off: timedelta) -> datetime | None:
    """When the cooling-off after the latest finding ends, or None with no finding."""
    return max(f.at for f in findings) + cooling_off if findings else None


def earlier_officer_ids(
    session: Session, *, person_id: str, vessel_party_id: str, before: int
) -> list[str]:
    """Person ids of everyone who took a step in an earlier case of this person and vessel
    that found coercion or unwillingness (in person, or through their account or token)."""
    cases = _earlier_cases(session, person_id, vessel_party_id, before)
    barred = {s.case_id for s in _barring_steps(session, [c.id for c in cases])}
    if not barred:
        return []
    steps = session.scalars(select(CaseStep).where(CaseStep.case_id.in_(barred))).all()
    actor_ids = {s.by_id for s in steps}
    by_account = select(Account.person_id).where(Account.id.in_(actor_ids))
    by_token = (
        select(Account.person_id)
        .join(ApiToken, ApiToken.account_id == Account.id)
        .where(ApiToken.id.in_(actor_ids))
    )
    ids = {s.officer_person_id for s in steps}
    ids.update(session.scalars(by_account))
    ids.update(session.scalars(by_token))
    return sorted(i for i in ids if i)
