"""What a detected manoeuvre sets off: the alarm, and the agreement term it breaches.

The agreement says the vessel does not leave orbit. A detected departure raises
``vessels.manoeuvre.detected`` with the evidence (the observation, its residuals from the
prediction, and the test that failed: statistic, threshold, false-alarm probability),
about the vessel, its party and the agreement term, so the term's own timeline shows it;
the term is then marked breached with the alarm as its evidence (or, when it is breached
already, the alarm is added to its evidence). The watch itself marks the breach, as the
station's own process: the actor that fed the observation may be a sensor's device token,
which may not change agreement terms.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from muster.agreements.enums import EvidenceKind, TermKind, TermStatus
from muster.agreements.evidence import add_evidence
from muster.agreements.schemas import EvidenceIn
from muster.agreements.service import get_term, mark_term_breached
from muster.events.service import append_event
from muster.policy.actor import Actor
from muster.vessels.models import Observation, Vessel

MANOEUVRE_DETECTED = "vessels.manoeuvre.detected"
WATCH = Actor.system("vessel-watch")
# The terms a manoeuvre alarm can prove (agreements/bearing.py: orbit evidence).
WATCHABLE_TERMS = frozenset({TermKind.ORBIT, TermKind.GENERAL})


def manoeuvre_evidence(vessel: Vessel, observation: Observation) -> dict[str, Any]:
    """The facts of a departure, as the alarm and the agreement record carry them."""
    return {
        "vessel": vessel.name,
        "vessel_id": vessel.id,
        "body": vessel.body,
        "observation_id": observation.id,
        "observation": observation.number,
        "observed_at": observation.observed_at,
        "source": observation.source,
        "baseline_observation_id": observation.baseline_id,
        "position_error_km": observation.position_error_km,
        "velocity_error_km_s": observation.velocity_error_km_s,
        "chi_square": observation.chi_square,
        "delta_a_km": observation.delta_a_km,
        "delta_e": observation.delta_e,
        "plane_change_deg": observation.plane_change_deg,
        "reasons": list(observation.reasons),
        "test": {
            "kind": "chi-square of normalised position and velocity residuals",
            "observations": observation.test_observations,
            "statistic": observation.test_statistic,
            "threshold": observation.test_threshold,
            "false_alarm_probability": vessel.false_alarm_probability,
            "window": vessel.test_window,
            "position_accuracy_km": vessel.position_accuracy_km,
            "velocity_accuracy_km_s": vessel.velocity_accuracy_km_s,
        },
    }


def raise_manoeuvre_alarm(
    session: Session, *, vessel: Vessel, observation: Observation, actor: Actor
) -> int:
    """Append the alarm and mark the agreement term breached; return the alarm's seq."""
    evidence = manoeuvre_evidence(vessel, observation)
    evidence["agreement_term_id"] = vessel.agreement_term_id
    alarm = append_event(
        session,
        kind=MANOEUVRE_DETECTED,
        actor=actor,
        subjects=[
            vessel.id,
            observation.id,
            vessel.party_id or "",
            vessel.agreement_term_id or "",
        ],
        payload=evidence,
    )
    if vessel.agreement_term_id:
        _breach_term(vessel, observation, alarm.seq, session, actor)
    return alarm.seq


def _breach_term(
    vessel: Vessel, observation: Observation, seq: int, session: Session, actor: Actor
) -> None:
    """Mark the vessel's agreement term breached, resting on the alarm event.

    The alarm is never lost over its term: a link to a term the watch cannot prove (made
    before term kinds existed) leaves the term as it is and says so on the record.
    """
    assert vessel.agreement_term_id is not None
    reasons = "; ".join(observation.reasons)
    item = EvidenceIn(kind=EvidenceKind.EVENT, ref=str(seq), note=reasons[:2000])
    term = get_term(session, vessel.agreement_term_id)
    if term.kind not in WATCHABLE_TERMS:
        append_event(
            session,
            kind="vessels.manoeuvre.term_unmarked",
            actor=actor,
            subjects=[vessel.id, term.id, str(seq)],
            payload={
                "vessel": vessel.name,
                "term": term.number,
                "reason": f"term {term.number} is a {term.kind.value} term, which the vessel "
                "watch cannot prove; mark it by hand if the departure breaches it",
            },
        )
        return
    if term.status is TermStatus.BREACHED:
        add_evidence(session, term_id=term.id, items=[item], change_id=None, actor=WATCH)
        return
    mark_term_breached(
        session,
        term_id=term.id,
        reason=f"{vessel.name} left its agreed orbit: observation {observation.number}, {reasons}",
        evidence=[item],
        actor=WATCH,
    )
