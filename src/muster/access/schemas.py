"""API shapes of access control."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from muster.access.enums import Direction, HoldKind
from muster.places.enums import PortalMode
from muster.schemas import ReadModel, StrictModel

Ref = Annotated[str, Field(min_length=1, max_length=200)]
Reason = Annotated[str, Field(min_length=1, max_length=2000)]


class AccessRequestIn(StrictModel):
    """One or many persons (ids, badge ids or names) asking to pass one way."""

    persons: list[Ref] = Field(min_length=1, max_length=500)
    direction: Direction


class PersonDecisionOut(BaseModel):
    """One person's decision."""

    decision_id: str
    person_ref: str
    person_id: str | None
    name: str
    allowed: bool
    rule_ids: list[str]
    explanation: str


class GroupDecisionOut(BaseModel):
    """Every person's decision and the line for the guards."""

    request_id: str
    portal_id: str
    portal: str
    direction: Direction
    policy_version: str
    instruction: str
    allowed: int
    denied: int
    decisions: list[PersonDecisionOut]


class DecisionRead(ReadModel):
    """A stored decision."""

    id: str
    request_id: str
    person_ref: str
    person_id: str | None
    portal_id: str
    direction: str
    allowed: bool
    rule_ids: list[str]
    explanation: str
    policy_version: str
    decided_at: datetime
    actor: str
    used_at: datetime | None


class PassageIn(StrictModel):
    """A door reports that a person went through."""

    person: Ref
    direction: Direction


class PassageRead(ReadModel):
    """A recorded passage."""

    id: str
    decision_id: str
    person_id: str
    portal_id: str
    direction: str
    from_zone_id: str
    to_zone_id: str
    at: datetime


class ModeIn(StrictModel):
    """A portal's new mode and why."""

    mode: PortalMode
    reason: Reason


class PortalModeOut(BaseModel):
    """A portal's mode."""

    portal_id: str
    name: str
    mode: PortalMode
    reason: str


class HoldIn(StrictModel):
    """Hold a person."""

    person: Ref
    kind: HoldKind = HoldKind.PROVISIONAL
    reason: Reason


class LiftIn(StrictModel):
    """Why a hold is lifted."""

    reason: Reason


class HoldRead(ReadModel):
    """A hold."""

    id: str
    person_id: str
    kind: str
    reason: str
    placed_by: str
    placed_at: datetime
    lifted_at: datetime | None
    lifted_by: str
    lift_reason: str


class WindowIn(StrictModel):
    """A time window."""

    valid_from: datetime
    valid_until: datetime


class DutyPassIn(WindowIn):
    """A duty pass for a resident or crew member."""

    person: Ref
    purpose: Reason


class VisitIn(WindowIn):
    """A visit authorization for a visitor."""

    person: Ref
    host: Ref
    purpose: Reason
    zone_ids: list[Ref] = Field(default_factory=list, max_length=100)


class TransferRead(BaseModel):
    """A transfer a consent case allows now, derived from the case (nothing is granted)."""

    case_id: str
    case_number: int
    person_id: str
    vessel_party_id: str
    vessel: str
    until: datetime


class IssuedOut(BaseModel):
    """Id of what was issued."""

    id: str
    person_id: str
    valid_from: datetime
    valid_until: datetime


class PresenceIn(StrictModel):
    """Where an operator has seen a person."""

    person: Ref
    zone_id: Ref
    reason: str = Field(default="", max_length=2000)


class PlaceOut(BaseModel):
    """A person's last known place."""

    person_id: str
    zone_id: str | None
    zone: str | None
    aboard: bool
    departed_to_party_id: str | None
    words: str


class HeadCountsOut(BaseModel):
    """Head counts from the presence table."""

    aboard: int
    by_zone: dict[str, int]
    by_affiliation: dict[str, int]
    by_party: dict[str, int]
    departed_by_party: dict[str, int]
    visitors_expected: dict[str, int]
    unknown: int


class RollCallIn(StrictModel):
    """Start a roll call."""

    reason: Reason


class MarkIn(StrictModel):
    """A post accounts for a person."""

    person: Ref
    post: Ref


class RollCallEntryOut(BaseModel):
    """A person not yet accounted for."""

    person_id: str
    name: str
    affiliation: str
    zone_id: str | None
    zone_name: str | None


class RollCallOut(BaseModel):
    """The roll call now."""

    rollcall_id: str | None
    registered: int
    accounted: int
    unaccounted: int
    unaccounted_persons: list[RollCallEntryOut]
    record_checkpoint: dict[str, Any] | None = Field(
        default=None,
        description="The record's newest signed checkpoint as the report was read "
        "(muster audit verify --checkpoint); null before the first",
    )


class PolicyDraftIn(StrictModel):
    """A policy text to save (validated against the schema) with what it changes."""

    policy_text: str = Field(min_length=1, max_length=500_000)
    comment: Reason


class PolicyVersionRead(ReadModel):
    """A stored policy version."""

    id: str
    number: int
    comment: str
    author: str
    created_at: datetime
    activated_at: datetime | None
    activated_by: str


class PolicyTextOut(BaseModel):
    """A policy's text and the version it is."""

    version: str
    policy_text: str
    schema_text: str


class WhatIfIn(StrictModel):
    """A draft to compare with the active policy."""

    policy_text: str = Field(min_length=1, max_length=500_000)
    population_limit: int = Field(default=100_000, ge=0, le=1_000_000)
    recent: int = Field(default=1000, ge=0, le=100_000)


class ChangeOut(BaseModel):
    """A request the draft decides differently."""

    source: str
    person_id: str
    person: str
    portal: str
    direction: str
    before: bool
    after: bool
    rules_before: list[str]
    rules_after: list[str]


class WhatIfOut(BaseModel):
    """What-if outcome."""

    checked_population: int
    checked_log: int
    changes: list[ChangeOut]


class PolicyTestIn(StrictModel):
    """Cases to run against a version ("active", "shipped", an id or a number)."""

    version: str = "active"
    cases: list[dict[str, Any]] = Field(min_length=1, max_length=10_000)


class CaseResultOut(BaseModel):
    """One case's outcome."""

    name: str
    passed: bool
    expected: str
    got: str
    rules: list[str]
    message: str


class PolicyTestOut(BaseModel):
    """All cases' outcomes."""

    version: str
    passed: int
    failed: int
    results: list[CaseResultOut]
