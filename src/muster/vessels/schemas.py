"""API shapes of vessels, observations, assets and the station map."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, Field, model_validator

from muster.schemas import ReadModel, StrictModel
from muster.vessels.enums import ObservationKind, Readiness, VesselStatus

Triple = tuple[float, float, float]


# The chance that noise alone raises the alarm at one observation: about one false alarm in
# twenty years at an observation every ten minutes. Bounded so that a test stays a test.
FalseAlarm = Field(default=1e-6, ge=1e-12, le=1e-2)
Window = Field(default=3, ge=1, le=20)


class VesselCreate(StrictModel):
    """A vessel to watch: its sensor's accuracy (1 sigma per coordinate) and the test's terms."""

    name: str = Field(min_length=1, max_length=200)
    party_id: str | None = Field(default=None, max_length=36)
    body: str = Field(default="earth", max_length=20)
    position_accuracy_km: float = Field(default=0.05, gt=0, le=1000)
    velocity_accuracy_km_s: float = Field(default=0.0002, gt=0, le=10)
    false_alarm_probability: float = FalseAlarm
    test_window: int = Window
    agreement_term_id: str | None = Field(default=None, max_length=36)
    notes: str = ""


class VesselUpdate(StrictModel):
    """Fields of a vessel to change; the ones left out stay."""

    party_id: str | None = Field(default=None, max_length=36)
    position_accuracy_km: float | None = Field(default=None, gt=0, le=1000)
    velocity_accuracy_km_s: float | None = Field(default=None, gt=0, le=10)
    false_alarm_probability: float | None = Field(default=None, ge=1e-12, le=1e-2)
    test_window: int | None = Field(default=None, ge=1, le=20)
    agreement_term_id: str | None = Field(default=None, max_length=36)
    notes: str | None = None


class VesselRead(ReadModel):
    """A vessel under watch."""

    id: str
    name: str
    party_id: str | None
    body: str
    status: VesselStatus
    position_accuracy_km: float
    velocity_accuracy_km_s: float
    false_alarm_probability: float
    test_window: int
    agreement_term_id: str | None
    baseline_observation_id: str | None
    reference_observation_id: str | None
    notes: str
    created_at: datetime
    updated_at: datetime


class ObservationCreate(StrictModel):
    """An element set (``tle_line1``/``tle_line2``) or a state vector at ``observed_at``."""

    kind: ObservationKind
    observed_at: AwareDatetime | None = None  # required for a state; a TLE carries its epoch
    position_km: Triple | None = None
    velocity_km_s: Triple | None = None
    tle_line1: str | None = Field(default=None, max_length=80)
    tle_line2: str | None = Field(default=None, max_length=80)
    source: str = Field(default="", max_length=200)

    @model_validator(mode="after")
    def _complete(self) -> ObservationCreate:
        if self.kind is ObservationKind.TLE:
            if not (self.tle_line1 and self.tle_line2):
                raise ValueError("an element set needs tle_line1 and tle_line2")
        elif self.observed_at is None or self.position_km is None or self.velocity_km_s is None:
            raise ValueError("a state vector needs observed_at, position_km and velocity_km_s")
        return self


class ObservationRead(ReadModel):
    """One observation and how it compared with the prediction."""

    id: str
    vessel_id: str
    number: int
    observed_at: datetime
    kind: ObservationKind
    tle_line1: str | None
    tle_line2: str | None
    position: list[float]
    velocity: list[float]
    a_km: float
    e: float
    inclination_deg: float
    baseline_id: str | None
    predicted_position: list[float] | None
    position_error_km: float | None
    velocity_error_km_s: float | None
    chi_square: float | None
    test_observations: int | None
    test_statistic: float | None
    test_threshold: float | None
    delta_a_km: float | None
    delta_e: float | None
    plane_change_deg: float | None
    manoeuvre: bool
    reasons: list[str]
    source: str
    recorded_by: str
    recorded_at: datetime


class PredictionRead(StrictModel):
    """Where the watch expects a vessel to be."""

    vessel_id: str
    at: datetime
    position_km: list[float]
    velocity_km_s: list[float]
    from_observation_id: str


class AssetCreate(StrictModel):
    """An asset on the status board."""

    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(min_length=1, max_length=40)
    operational: bool = False
    readiness: Readiness = Readiness.UNAVAILABLE
    owner: str = Field(default="", max_length=200)
    notes: str = ""


class AssetUpdate(StrictModel):
    """A change of an asset's status; ``reason`` goes in the log."""

    operational: bool | None = None
    readiness: Readiness | None = None
    owner: str | None = Field(default=None, max_length=200)
    notes: str | None = None
    reason: str = ""


class AssetRead(ReadModel):
    """An asset as the board shows it."""

    id: str
    name: str
    kind: str
    operational: bool
    readiness: Readiness
    owner: str
    notes: str
    created_at: datetime
    updated_at: datetime


class PortalWalkSet(StrictModel):
    """The walking time through a portal and whether it is closed."""

    seconds: float = Field(gt=0, le=86_400)
    closed: bool = False
    note: str = ""
