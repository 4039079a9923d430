"""API shapes of casualties, the hospital and screenings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from muster.medical.enums import (
    BedState,
    Condition,
    ScreeningKind,
    ScreeningResult,
    Side,
    Triage,
)
from muster.schemas import ReadModel, StrictModel

RefId = Annotated[str, StringConstraints(min_length=1, max_length=36)]
Short = Annotated[str, StringConstraints(max_length=200)]
Long = Annotated[str, StringConstraints(max_length=4000)]


Avpu = Literal["alert", "voice", "pain_appropriate", "pain_inappropriate", "unresponsive"]


class TriageFindings(StrictModel):
    """What the rescuer finds, in the order START and JumpSTART ask for it.

    Only what the next step needs is required: a casualty who walks needs nothing more.
    For a child, ``radial_pulse`` is any palpable peripheral pulse and mental status is
    ``avpu``; for an adult it is ``obeys_commands``.
    """

    walks: bool
    breathing: bool
    breathing_after_airway: bool | None = None
    breathing_after_rescue_breaths: bool | None = None  # JumpSTART: apneic child with a pulse
    respiratory_rate: int | None = Field(default=None, ge=0, le=150)
    radial_pulse: bool | None = None
    capillary_refill_seconds: float | None = Field(default=None, ge=0, le=60)
    obeys_commands: bool | None = None
    avpu: Avpu | None = None


class TriageInput(StrictModel):
    """A triage: the findings, and a medic's category over them only with a reason."""

    findings: TriageFindings | None = None
    triage: Triage | None = None  # set over (or without) the findings: medics, with a reason
    reason: Long = ""

    @model_validator(mode="after")
    def _findings_or_category(self) -> Any:
        if self.findings is None and self.triage is None:
            raise ValueError(
                "record the triage findings (walks, breathing, respiratory rate, pulse, "
                "commands), or a medic's category with the reason"
            )
        return self


class CasualtyCreate(TriageInput):
    """A casualty: a known person, or a description to match to a person later."""

    person_id: RefId | None = None
    description: Long = ""
    age_years: int | None = Field(default=None, ge=0, le=130)  # unidentified: as judged
    side: Side | None = None  # taken from the person's affiliation when known
    found_at: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    found_zone_id: RefId | None = None
    injuries: Long = ""
    treated_by_id: RefId | None = None
    taken_to: Short = ""
    incident_id: RefId | None = None  # the open incident when not given

    @model_validator(mode="after")
    def _someone(self) -> CasualtyCreate:
        if self.person_id is None and not self.description:
            raise ValueError("name the person, or describe the casualty so they can be matched")
        return self


class CasualtyUpdate(StrictModel):
    """Care details of a casualty, or the person they turned out to be."""

    person_id: RefId | None = None
    injuries: Long | None = None
    treated_by_id: RefId | None = None
    taken_to: Short | None = None


class TriageChange(TriageInput):
    """A re-triage: new findings, or a medic's category with the reason."""

    note: Long = ""


class TriageRead(ReadModel):
    """One triage of a casualty: the category, what the findings gave and why."""

    category: Triage
    assessed_at: datetime
    assessed_by: str
    note: str
    findings: dict[str, Any] | None
    algorithm: str
    computed: Triage | None
    rule: str
    explanation: str
    override_reason: str


class CasualtyRead(ReadModel):
    """A casualty with clinical details (medical roles only)."""

    id: str
    number: int
    incident_id: str | None
    person_id: str | None
    description: str
    age_years: int | None
    merged_into_id: str | None
    side: Side
    triage: Triage
    found_at: str
    found_zone_id: str | None
    injuries: str
    treated_by_id: str | None
    taken_to: str
    recorded_by: str
    recorded_at: datetime


class CasualtyDetail(CasualtyRead):
    """A casualty and its triage history."""

    history: list[TriageRead]


class CasualtyCounts(StrictModel):
    """Casualties by side and category: what everyone may see."""

    total: int
    by_side: dict[str, dict[str, int]]
    by_category: dict[str, int]


class WardCreate(StrictModel):
    """A ward of the hospital."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    zone_id: RefId | None = None


class BedCreate(StrictModel):
    """Beds to add to a ward, by label."""

    labels: list[Annotated[str, StringConstraints(min_length=1, max_length=40)]]


class BedStateChange(StrictModel):
    """A bed's new state (an occupied bed is freed by a discharge or transfer)."""

    state: BedState


class BedRead(ReadModel):
    """A bed."""

    id: str
    ward_id: str
    label: str
    state: BedState


class AdmissionCreate(StrictModel):
    """Admit a person or a casualty to a bed."""

    person_id: RefId | None = None
    casualty_id: RefId | None = None
    bed_id: RefId | None = None
    condition: Condition
    reason: Long = ""

    @model_validator(mode="after")
    def _someone(self) -> AdmissionCreate:
        if self.person_id is None and self.casualty_id is None:
            raise ValueError("give the person or the casualty to admit")
        return self


class TransferCreate(StrictModel):
    """Move a patient to another bed."""

    bed_id: RefId
    condition: Condition | None = None


class DischargeCreate(StrictModel):
    """Discharge a patient: home, to quarters, transferred off station, deceased ..."""

    disposition: Annotated[str, StringConstraints(min_length=1, max_length=4000)]


class ConditionChange(StrictModel):
    """A patient's new condition."""

    condition: Condition


class AdmissionRead(ReadModel):
    """An admission with clinical details (medical roles only)."""

    id: str
    person_id: str | None
    casualty_id: str | None
    bed_id: str | None
    condition: Condition
    reason: str
    admitted_at: datetime
    admitted_by: str
    discharged_at: datetime | None
    disposition: str


class ScreeningCreate(StrictModel):
    """A screening result to record."""

    person_id: RefId
    kind: ScreeningKind
    result: ScreeningResult
    method: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    performed_by_id: RefId | None = None
    performed_at: datetime | None = None
    notes: Long = ""


class ScreeningRead(ReadModel):
    """A screening."""

    id: str
    person_id: str
    kind: ScreeningKind
    result: ScreeningResult
    method: str
    performed_by_id: str | None
    performed_at: datetime
    recorded_by: str
    notes: str


class HoldDecision(StrictModel):
    """A medic's decision on a hold, with the reason for the record."""

    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
