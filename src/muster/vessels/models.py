"""Vessels and their observed tracks, station assets, and walking times through portals."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from muster.db import Base, UTCDateTime, new_id


class Vessel(Base):
    """A vessel under watch: the body it orbits, its limits, and the orbit it must hold."""

    __tablename__ = "vessels"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    party_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("parties.id"), nullable=True, index=True
    )
    body: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    # The sensor's accuracy (one standard deviation per coordinate) and the manoeuvre test:
    # the chance that noise alone raises the alarm at one observation, and how many of the
    # latest observations the test sums (muster.vessels.detection).
    position_accuracy_km: Mapped[float] = mapped_column(Float)
    velocity_accuracy_km_s: Mapped[float] = mapped_column(Float)
    false_alarm_probability: Mapped[float] = mapped_column(Float)
    test_window: Mapped[int] = mapped_column(Integer)
    # The agreement term "the vessel does not leave orbit"; no foreign key, the service checks.
    agreement_term_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    baseline_observation_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    reference_observation_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # The orbit estimate since the baseline: deviation and covariance (muster.vessels.model).
    estimate: Mapped[dict[str, object] | None] = mapped_column(JSON, nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Observation(Base):
    """One observation of a vessel: an element set or a state vector, and how it compared."""

    __tablename__ = "vessel_observations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    vessel_id: Mapped[str] = mapped_column(String(36), ForeignKey("vessels.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per vessel, in recording order
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # "tle" or "state"
    tle_line1: Mapped[str | None] = mapped_column(String(80), nullable=True)
    tle_line2: Mapped[str | None] = mapped_column(String(80), nullable=True)
    # The state at observed_at (for an element set: SGP4's TEME state at its epoch).
    position: Mapped[list[float]] = mapped_column(JSON)
    velocity: Mapped[list[float]] = mapped_column(JSON)
    a_km: Mapped[float] = mapped_column(Float)
    e: Mapped[float] = mapped_column(Float)
    inclination_deg: Mapped[float] = mapped_column(Float)
    # How it compared: with the prediction from this baseline, and the test's outcome.
    baseline_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    predicted_position: Mapped[list[float] | None] = mapped_column(JSON, nullable=True)
    position_error_km: Mapped[float | None] = mapped_column(Float, nullable=True)
    velocity_error_km_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    chi_square: Mapped[float | None] = mapped_column(Float, nullable=True)
    test_observations: Mapped[int | None] = mapped_column(Integer, nullable=True)
    test_statistic: Mapped[float | None] = mapped_column(Float, nullable=True)
    test_threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    delta_a_km: Mapped[float | None] = mapped_column(Float, nullable=True)
    delta_e: Mapped[float | None] = mapped_column(Float, nullable=True)
    plane_change_deg: Mapped[float | None] = mapped_column(Float, nullable=True)
    manoeuvre: Mapped[bool] = mapped_column(Boolean, default=False)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(200))
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Asset(Base):
    """A defence or station asset on the command status board (the long-range laser)."""

    __tablename__ = "station_assets"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    operational: Mapped[bool] = mapped_column(Boolean, default=False)
    readiness: Mapped[str] = mapped_column(String(20))
    owner: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PortalWalk(Base):
    """The walking time through a portal between its two zones, and whether it is closed."""

    __tablename__ = "portal_walks"

    portal_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True
    )
    seconds: Mapped[float] = mapped_column(Float)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
