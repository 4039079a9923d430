"""Vessels under watch and their observations: recording, predicting, detecting manoeuvres."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster import clock
from muster.agreements.models import AgreementTerm
from muster.errors import Conflict, Invalid, NotFound
from muster.events.service import append_event
from muster.people.service import apply_changes, find_party, save_unique
from muster.policy.actor import Actor
from muster.policy.authorize import authorize
from muster.vessels import orbits, watch
from muster.vessels.bodies import body_named
from muster.vessels.enums import ObservationKind, VesselStatus
from muster.vessels.flows import WATCHABLE_TERMS, raise_manoeuvre_alarm
from muster.vessels.model import Estimate, Reference
from muster.vessels.models import Observation, Vessel
from muster.vessels.schemas import ObservationCreate, VesselCreate, VesselUpdate


def get_vessel(session: Session, vessel_id: str) -> Vessel:
    """The vessel with this id or exact name (each use case authorizes first), or NotFound."""
    return find_vessel(session, vessel_id)


def find_vessel(session: Session, ref: str) -> Vessel:
    """A vessel by id or exact name."""
    vessel = session.get(Vessel, ref) or session.scalar(select(Vessel).where(Vessel.name == ref))
    if vessel is None:
        raise NotFound(f"no vessel named {ref!r}; register it with: muster vessel add")
    return vessel


def _check_term(session: Session, term_id: str | None) -> None:
    """A watch may rest on a term its alarms can prove: an ``orbit`` or ``general`` one."""
    if not term_id:
        return
    term = session.get(AgreementTerm, term_id)
    if term is None:
        raise NotFound(f"no agreement term with id {term_id!r}; list the agreement's terms")
    if term.kind not in WATCHABLE_TERMS:
        raise Invalid(
            f"term {term.number} is a {term.kind.value} term: a vessel watch proves only "
            "orbit or general terms; link the agreement's orbit term"
        )


def register_vessel(session: Session, *, data: VesselCreate, actor: Actor) -> Vessel:
    """Put a vessel under watch."""
    authorize(actor, "vessel.manage")
    body = body_named(data.body)
    _check_term(session, data.agreement_term_id)
    at = clock.now()
    values = data.model_dump()
    if data.party_id:  # the party's id or name, looked up once authorized
        values["party_id"] = find_party(session, data.party_id).id
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
            "accuracy": asdict(watch.accuracy_of(vessel)),
            "false_alarm_probability": vessel.false_alarm_probability,
            "test_window": vessel.test_window,
        },
    )
    return vessel


def update_vessel(session: Session, *, vessel_id: str, data: VesselUpdate, actor: Actor) -> Vessel:
    """Change a vessel's party, thresholds, accuracy, agreement term or notes."""
    authorize(actor, "vessel.manage")
    vessel = get_vessel(session, vessel_id)
    values = data.model_dump(exclude_unset=True)
    if values.get("party_id"):
        values["party_id"] = find_party(session, values["party_id"]).id
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


# Observations ----------------------------------------------------------------------


@dataclass(frozen=True)
class Fix:
    """An observation reduced to what the watch compares: state, time and elements."""

    r: orbits.Vector
    v: orbits.Vector
    at: datetime
    elements: orbits.Elements
    kind: ObservationKind


FUTURE_TOLERANCE = timedelta(minutes=1)


def _not_ahead(at: datetime, what: str) -> None:
    """Refuse a time more than a minute ahead of the station clock: a sensor or typing fault."""
    now = clock.now()
    if at > now + FUTURE_TOLERANCE:
        ahead = (at - now).total_seconds()
        raise Invalid(
            f"{what} is dated {at.isoformat()}, {ahead:.0f} s ahead of the station clock "
            f"({now.isoformat(timespec='seconds')}); check the sensor's clock and time zone"
        )


def _fix_of(vessel: Vessel, data: ObservationCreate) -> Fix:
    mu = body_named(vessel.body).mu
    if data.kind is ObservationKind.TLE:
        if vessel.body != "earth":
            raise Invalid("a two-line element set describes an Earth orbit; send a state vector")
        sat = orbits.parse_tle(data.tle_line1 or "", data.tle_line2 or "")
        at = orbits.tle_epoch(sat)
        _not_ahead(at, "the element set's epoch")
        r, v = orbits.propagate_tle(sat, at)
        return Fix(r, v, at, orbits.tle_elements(sat), data.kind)
    if data.observed_at is None or data.position_km is None or data.velocity_km_s is None:
        raise Invalid("a state vector needs observed_at, position_km and velocity_km_s")
    _not_ahead(data.observed_at, "the observation")
    r, v = orbits.vector(data.position_km), orbits.vector(data.velocity_km_s)
    if float(np.linalg.norm(r)) <= body_named(vessel.body).radius:
        raise Invalid("the position is inside the central body; check the units (km) and body")
    elements = orbits.elements_of(r, v, mu)
    if not 0 < elements.a < math.inf or elements.e >= 1.0:
        raise Invalid("the state is not on a closed orbit; check the units (km and km/s)")
    return Fix(r, v, data.observed_at, elements, data.kind)


def _baseline(session: Session, vessel: Vessel) -> Observation:
    row = session.get(Observation, vessel.baseline_observation_id)
    if row is None:
        raise Conflict("the vessel's baseline observation is missing; set the baseline again")
    return row


def prediction_model(session: Session, vessel: Vessel) -> tuple[Observation, Reference, Estimate]:
    """The baseline, the reference trajectory from it, and the current estimate."""
    baseline = _baseline(session, vessel)
    reference = watch.reference_of(body_named(vessel.body), baseline)
    if vessel.estimate is None:
        noise = watch.accuracy_of(vessel).covariance()
        return baseline, reference, watch.initial_estimate(reference, baseline, noise)
    return baseline, reference, Estimate.from_json(vessel.estimate)


def _earlier_chi_squares(session: Session, vessel: Vessel, baseline: Observation) -> list[float]:
    """The chi-square values of the latest observations judged against this baseline."""
    rows = session.scalars(
        select(Observation.chi_square)
        .where(
            Observation.vessel_id == vessel.id,
            Observation.baseline_id == baseline.id,
            Observation.chi_square.is_not(None),
        )
        .order_by(Observation.number.desc())
        .limit(max(vessel.test_window - 1, 0))
    )
    return [float(x) for x in reversed(list(rows.all())) if x is not None]


def _judge(session: Session, vessel: Vessel, row: Observation, fix: Fix) -> None:
    """Compare ``row`` with the prediction; refine the estimate when it matches."""
    baseline, reference, estimate = prediction_model(session, vessel)
    comparison = watch.compare(
        vessel,
        reference=reference,
        estimate=estimate,
        observed=np.concatenate([fix.r, fix.v]),
        at=fix.at,
        earlier=_earlier_chi_squares(session, vessel, baseline),
        baseline_number=baseline.number,
    )
    test = comparison.verdict.test
    row.baseline_id = baseline.id
    row.predicted_position = [float(x) for x in comparison.found.predicted[:3]]
    row.position_error_km = comparison.position_error_km
    row.velocity_error_km_s = comparison.velocity_error_km_s
    row.chi_square = comparison.found.chi_square
    row.test_observations = test.observations
    row.test_statistic = test.statistic
    row.test_threshold = test.threshold
    row.delta_a_km = _finite(comparison.delta_a_km)
    row.delta_e = comparison.delta_e
    row.plane_change_deg = comparison.plane_change_deg
    row.manoeuvre = comparison.manoeuvre
    row.reasons = comparison.reasons
    if not comparison.manoeuvre:
        vessel.estimate = watch.estimate_after(vessel, estimate, comparison).to_json()


def _start_from(session: Session, vessel: Vessel, row: Observation) -> None:
    """Take ``row`` as the baseline: predictions start from it, the estimate from its noise."""
    vessel.baseline_observation_id = row.id
    vessel.reference_observation_id = row.id
    reference = watch.reference_of(body_named(vessel.body), row)
    noise = watch.accuracy_of(vessel).covariance()
    vessel.estimate = watch.initial_estimate(reference, row, noise).to_json()


def record_observation(
    session: Session, *, vessel_id: str, data: ObservationCreate, actor: Actor
) -> Observation:
    """Record an observation, test it against the prediction, and raise the alarm on a burn.

    The first observation sets the baseline. Each later one is compared with the prediction
    from the baseline (SGP4 around Earth), and the chi-square test over the latest
    observations decides (``muster.vessels.detection``). One that matches refines the
    estimate of the orbit and becomes the reference; one that fails raises the alarm (once,
    until the baseline is set again) and is kept out of the estimate.
    """
    authorize(actor, "vessel.observe")
    vessel = get_vessel(session, vessel_id)
    fix = _fix_of(vessel, data)
    last = select(func.max(Observation.number)).where(Observation.vessel_id == vessel.id)
    number = (session.scalar(last) or 0) + 1
    row = Observation(
        vessel_id=vessel.id,
        number=number,
        observed_at=fix.at,
        kind=fix.kind.value,
        tle_line1=data.tle_line1.strip()
        if fix.kind is ObservationKind.TLE and data.tle_line1
        else None,
        tle_line2=data.tle_line2.strip()
        if fix.kind is ObservationKind.TLE and data.tle_line2
        else None,
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
    first = vessel.baseline_observation_id is None
    if first:
        watch.refuse_unfit_baseline(body_named(vessel.body), row)
    else:
        _judge(session, vessel, row, fix)
    session.add(row)
    session.flush()
    if first:
        _start_from(session, vessel, row)
    elif not row.manoeuvre:
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
        "velocity_error_km_s": row.velocity_error_km_s,
        "chi_square": row.chi_square,
        "test_observations": row.test_observations,
        "test_statistic": row.test_statistic,
        "test_threshold": row.test_threshold,
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
    """Where the vessel should be at ``at``: the baseline's prediction, refined by the estimate."""
    vessel = get_vessel(session, vessel_id)
    if vessel.reference_observation_id is None or vessel.baseline_observation_id is None:
        raise NotFound(f"no prediction: {vessel.name} has no observation yet; record one first")
    reference = session.get(Observation, vessel.reference_observation_id)
    if reference is None:
        raise NotFound(
            "no prediction: its reference observation is missing; set the baseline again"
        )
    _baseline_row, trajectory, estimate = prediction_model(session, vessel)
    state = trajectory.predict(estimate.deviation, at)
    return reference, orbits.State(r=state[:3], v=state[3:], at=at)


def set_baseline(
    session: Session, *, vessel_id: str, observation_id: str | None, reason: str, actor: Actor
) -> Vessel:
    """Take an observation (the latest by default) as the orbit the vessel must now hold.

    Used after a departure has been reviewed (a burn agreed, or a sensor fault); the watch
    starts again from there.
    """
    authorize(actor, "vessel.manage")
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
    watch.refuse_unfit_baseline(body_named(vessel.body), row)
    _start_from(session, vessel, row)
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
