"""Vessels under watch and their observations: recording, predicting, detecting manoeuvres."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster import clock
from muster.agreements.models import AgreementTerm
from muster.errors import Conflict, Invalid, NotFound
from muster.events.service import append_event
from muster.people.service import apply_changes, get_party, save_unique
from muster.policy.actor import Actor
from muster.vessels import orbits
from muster.vessels.bodies import body_named
from muster.vessels.detection import Comparison, Thresholds, compare
from muster.vessels.enums import ObservationKind, VesselStatus
from muster.vessels.flows import raise_manoeuvre_alarm
from muster.vessels.models import Observation, Vessel
from muster.vessels.schemas import ObservationCreate, VesselCreate, VesselUpdate


def get_vessel(session: Session, vessel_id: str) -> Vessel:
    """The vessel with this id, or NotFound."""
    vessel = session.get(Vessel, vessel_id)
    if vessel is None:
        raise NotFound(f"no vessel with id {vessel_id!r}; list vessels to find it")
    return vessel


def find_vessel(session: Session, ref: str) -> Vessel:
    """A vessel by id or exact name."""
    vessel = session.get(Vessel, ref) or session.scalar(select(Vessel).where(Vessel.name == ref))
    if vessel is None:
        raise NotFound(f"no vessel named {ref!r}; register it with: muster vessel add")
    return vessel


def _check_term(session: Session, term_id: str | None) -> None:
    if term_id and session.get(AgreementTerm, term_id) is None:
        raise NotFound(f"no agreement term with id {term_id!r}; list the agreement's terms")


def register_vessel(session: Session, *, data: VesselCreate, actor: Actor) -> Vessel:
    """Put a vessel under watch."""
    body = body_named(data.body)
    if data.party_id:
        get_party(session, data.party_id)
    _check_term(session, data.agreement_term_id)
    at = clock.now()
    values = data.model_dump()
    values["body"] = body.name
    vessel = Vessel(**values, status=VesselStatus.WATCHING.value, created_at=at, updated_at=at)
    save_unique(session, vessel, clash=f"a vessel named {data.name!r} is already watched")
    append_event(
        session,
        kind="vessels.vessel.registered",
        actor=actor,
        subjects=[vessel.id, vessel.party_id or "", vessel.agreement_term_id or ""],
        payload={
            "name": vessel.name,
            "body": vessel.body,
            "thresholds": asdict(_thresholds_of(vessel)),
        },
    )
    return vessel


def update_vessel(session: Session, *, vessel_id: str, data: VesselUpdate, actor: Actor) -> Vessel:
    """Change a vessel's party, thresholds, accuracy, agreement term or notes."""
    vessel = get_vessel(session, vessel_id)
    values = data.model_dump(exclude_unset=True)
    if values.get("party_id"):
        get_party(session, values["party_id"])
    _check_term(session, values.get("agreement_term_id"))
    changes = apply_changes(vessel, values)
    if changes:
        vessel.updated_at = clock.now()
        session.flush()
        append_event(
            session,
            kind="vessels.vessel.updated",
            actor=actor,
            subjects=[vessel.id, vessel.party_id or ""],
            payload={"name": vessel.name, "changes": changes},
        )
    return vessel


def list_vessels(session: Session, *, limit: int = 50, offset: int = 0) -> tuple[list[Vessel], int]:
    """Vessels by name."""
    total = session.scalar(select(func.count()).select_from(Vessel)) or 0
    rows = session.scalars(select(Vessel).order_by(Vessel.name).limit(limit).offset(offset))
    return list(rows.all()), total


def _thresholds_of(vessel: Vessel) -> Thresholds:
    return Thresholds(
        delta_a_km=vessel.max_delta_a_km,
        delta_e=vessel.max_delta_e,
        plane_deg=vessel.max_plane_deg,
        position_km=vessel.max_position_km,
    )


# Observations ----------------------------------------------------------------------


@dataclass(frozen=True)
class Fix:
    """An observation reduced to what the watch compares: state, time and elements."""

    r: orbits.Vector
    v: orbits.Vector
    at: datetime
    elements: orbits.Elements
    kind: ObservationKind


def _fix_of(vessel: Vessel, data: ObservationCreate) -> Fix:
    mu = body_named(vessel.body).mu
    if data.kind is ObservationKind.TLE:
        if vessel.body != "earth":
            raise Invalid("a two-line element set describes an Earth orbit; send a state vector")
        sat = orbits.parse_tle(data.tle_line1 or "", data.tle_line2 or "")
        at = orbits.tle_epoch(sat)
        r, v = orbits.propagate_tle(sat, at)
        return Fix(r, v, at, orbits.tle_elements(sat), data.kind)
    if data.observed_at is None or data.position_km is None or data.velocity_km_s is None:
        raise Invalid("a state vector needs observed_at, position_km and velocity_km_s")
    r, v = orbits.vector(data.position_km), orbits.vector(data.velocity_km_s)
    if float(np.linalg.norm(r)) <= body_named(vessel.body).radius:
        raise Invalid("the position is inside the central body; check the units (km) and body")
    return Fix(r, v, data.observed_at, orbits.elements_of(r, v, mu), data.kind)


def _stored_fix(vessel: Vessel, row: Observation) -> Fix:
    r, v = orbits.vector(row.position), orbits.vector(row.velocity)
    kind = ObservationKind(row.kind)
    if kind is ObservationKind.TLE:
        elements = orbits.tle_elements(orbits.parse_tle(row.tle_line1 or "", row.tle_line2 or ""))
    else:
        elements = orbits.elements_of(r, v, body_named(vessel.body).mu)
    return Fix(r, v, row.observed_at, elements, kind)


def predict_from(vessel: Vessel, row: Observation, at: datetime) -> tuple[orbits.Vector, ...]:
    """Position and velocity at ``at`` predicted from one observation (SGP4 or two-body)."""
    if row.kind == ObservationKind.TLE.value:
        sat = orbits.parse_tle(row.tle_line1 or "", row.tle_line2 or "")
        return orbits.propagate_tle(sat, at)
    dt = (at - row.observed_at).total_seconds()
    mu = body_named(vessel.body).mu
    r0, v0 = orbits.vector(row.position), orbits.vector(row.velocity)
    return orbits.propagate_two_body(r0, v0, dt, mu)


def _compare(vessel: Vessel, fix: Fix, reference: Observation, baseline: Observation) -> Comparison:
    """Compare with the prediction from the reference, and the shape with the baseline's.

    Elements are compared like with like: against the baseline when it is of the same kind
    (mean elements of element sets, or osculating elements of state vectors), otherwise
    against the osculating elements of the predicted state at the same moment.
    """
    predicted_r, predicted_v = predict_from(vessel, reference, fix.at)
    base_fix = _stored_fix(vessel, baseline)
    if base_fix.kind is fix.kind:
        base_elements, observed = base_fix.elements, fix.elements
    else:
        mu = body_named(vessel.body).mu
        base_elements = orbits.elements_of(predicted_r, predicted_v, mu)
        observed = orbits.elements_of(fix.r, fix.v, mu)
    return compare(
        observed_r=fix.r,
        observed=observed,
        predicted_r=predicted_r,
        baseline=base_elements,
        thresholds=_thresholds_of(vessel),
    )


def record_observation(
    session: Session, *, vessel_id: str, data: ObservationCreate, actor: Actor
) -> Observation:
    """Record an observation, compare it with the prediction, and raise the alarm on a departure.

    The first observation sets the baseline. One that matches becomes the reference for the
    next prediction; one that departs raises the alarm (once, until the baseline is set
    again) and is kept out of the predictions.
    """
    vessel = get_vessel(session, vessel_id)
    fix = _fix_of(vessel, data)
    last = select(func.max(Observation.number)).where(Observation.vessel_id == vessel.id)
    number = (session.scalar(last) or 0) + 1
    row = Observation(
        vessel_id=vessel.id,
        number=number,
        observed_at=fix.at,
        kind=fix.kind.value,
        tle_line1=data.tle_line1 if fix.kind is ObservationKind.TLE else None,
        tle_line2=data.tle_line2 if fix.kind is ObservationKind.TLE else None,
        position=[float(x) for x in fix.r],
        velocity=[float(x) for x in fix.v],
        a_km=fix.elements.a if math.isfinite(fix.elements.a) else 0.0,
        e=fix.elements.e,
        inclination_deg=math.degrees(fix.elements.i),
        manoeuvre=False,
        reasons=[],
        source=data.source or actor.label,
        recorded_by=actor.label,
        recorded_at=clock.now(),
    )
    comparison = None
    if vessel.reference_observation_id and vessel.baseline_observation_id:
        reference = session.get(Observation, vessel.reference_observation_id)
        baseline = session.get(Observation, vessel.baseline_observation_id)
        if reference is None or baseline is None:
            raise Conflict("the vessel's reference observation is missing; set the baseline again")
        comparison = _compare(vessel, fix, reference, baseline)
        row.predicted_position = [float(x) for x in comparison.predicted_r]
        row.position_error_km = comparison.position_error_km
        row.delta_a_km = _finite(comparison.delta_a_km)
        row.delta_e = comparison.delta_e
        row.plane_change_deg = comparison.plane_change_deg
        row.manoeuvre = comparison.manoeuvre
        row.reasons = comparison.reasons
    session.add(row)
    session.flush()
    if comparison is None:
        vessel.baseline_observation_id = row.id
        vessel.reference_observation_id = row.id
    elif not comparison.manoeuvre:
        vessel.reference_observation_id = row.id
    append_event(
        session,
        kind="vessels.observation.recorded",
        actor=actor,
        subjects=[vessel.id, row.id],
        payload=_observation_payload(vessel, row),
    )
    if row.manoeuvre and vessel.status != VesselStatus.MANOEUVRE.value:
        vessel.status = VesselStatus.MANOEUVRE.value
        raise_manoeuvre_alarm(session, vessel=vessel, observation=row, actor=actor)
    vessel.updated_at = clock.now()
    session.flush()
    return row


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _observation_payload(vessel: Vessel, row: Observation) -> dict[str, object]:
    return {
        "vessel": vessel.name,
        "number": row.number,
        "kind": row.kind,
        "observed_at": row.observed_at,
        "source": row.source,
        "position_error_km": row.position_error_km,
        "delta_a_km": row.delta_a_km,
        "delta_e": row.delta_e,
        "plane_change_deg": row.plane_change_deg,
        "manoeuvre": row.manoeuvre,
    }


def list_observations(
    session: Session, *, vessel_id: str, limit: int = 100, offset: int = 0
) -> tuple[list[Observation], int]:
    """A vessel's observations in the order they were recorded."""
    query = select(Observation).where(Observation.vessel_id == vessel_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Observation.number).limit(limit).offset(offset))
    return list(rows.all()), total


def predict(session: Session, *, vessel_id: str, at: datetime) -> tuple[Observation, orbits.State]:
    """Where the vessel should be at ``at``, from its reference observation."""
    vessel = get_vessel(session, vessel_id)
    if vessel.reference_observation_id is None:
        raise Conflict(f"{vessel.name} has no observation yet; record one first")
    reference = session.get(Observation, vessel.reference_observation_id)
    if reference is None:
        raise Conflict("the vessel's reference observation is missing; set the baseline again")
    r, v = predict_from(vessel, reference, at)
    return reference, orbits.State(r=r, v=v, at=at)


def set_baseline(
    session: Session, *, vessel_id: str, observation_id: str | None, reason: str, actor: Actor
) -> Vessel:
    """Take an observation (the latest by default) as the orbit the vessel must now hold.

    Used after a departure has been reviewed (a burn agreed, or a sensor fault); the watch
    starts again from there.
    """
    vessel = get_vessel(session, vessel_id)
    if not reason.strip():
        raise Invalid("say why the baseline is set again; the reason goes in the record")
    if observation_id is None:
        row = session.scalar(
            select(Observation)
            .where(Observation.vessel_id == vessel.id)
            .order_by(Observation.number.desc())
            .limit(1)
        )
    else:
        row = session.get(Observation, observation_id)
    if row is None or row.vessel_id != vessel.id:
        raise NotFound(f"no such observation of {vessel.name}; list its observations")
    vessel.baseline_observation_id = row.id
    vessel.reference_observation_id = row.id
    vessel.status = VesselStatus.WATCHING.value
    vessel.updated_at = clock.now()
    session.flush()
    append_event(
        session,
        kind="vessels.baseline.set",
        actor=actor,
        subjects=[vessel.id, row.id],
        payload={"vessel": vessel.name, "observation": row.number, "reason": reason},
    )
    return vessel
