"""What a detected manoeuvre sets off: the alarm with its evidence, and the agreement term
it breaches, marked by the watch itself; the alarm is never lost over its term."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.agreements.enums import EvidenceKind, TermKind, TermStatus
from muster.agreements.models import AgreementTerm, TermEvidence
from muster.agreements.schemas import EvidenceIn
from muster.agreements.service import mark_term_breached
from muster.events.models import Event
from muster.policy.actor import Actor
from muster.vessels.enums import VesselStatus
from muster.vessels.sensor import Burn, TrueOrbit, schedule

from .station import START, alarms, build_station, feed, orbit_term, watch

INTERVAL = 600.0


class TestTheTerm:
    """A manoeuvre marks the vessel's agreement term breached, resting on the alarm."""

    def test_term_breached(self, session: Session, actor: Actor) -> None:
        build_station(session, actor)
        term_id = orbit_term(session, actor)
        vessel = watch(session, actor, agreement_term_id=term_id)
        times = schedule(START + timedelta(hours=1), 6, INTERVAL)
        truth = TrueOrbit("venus", 400.0, 0.0, START, Burn(times[3], prograde=0.01))
        feed(session, actor, vessel, truth, times, np.random.default_rng(7))
        term = session.get(AgreementTerm, term_id)
        assert term is not None
        assert term.status == TermStatus.BREACHED
        evidence = session.scalars(select(TermEvidence).where(TermEvidence.term_id == term_id))
        assert [e.ref for e in evidence] == [str(alarms(session)[0].seq)]

    def test_an_alarm_is_never_lost_over_its_term(self, session: Session, actor: Actor) -> None:
        """A link made before term kinds existed: the alarm stands, the term is left as it is
        and the record says why."""
        build_station(session, actor)
        term_id = orbit_term(session, actor, kind=TermKind.CONSENT)
        vessel = watch(session, actor)
        vessel.agreement_term_id = term_id  # as an older database holds it
        times = schedule(START + timedelta(hours=1), 6, INTERVAL)
        truth = TrueOrbit("venus", 400.0, 0.0, START, Burn(times[3], prograde=0.01))
        feed(session, actor, vessel, truth, times, np.random.default_rng(7))
        assert vessel.status == VesselStatus.MANOEUVRE
        assert alarms(session)
        term = session.get(AgreementTerm, term_id)
        assert term is not None
        assert term.status != TermStatus.BREACHED
        unmarked = session.scalars(
            select(Event).where(Event.kind == "vessels.manoeuvre.term_unmarked")
        ).all()
        assert unmarked
        assert "consent term" in unmarked[0].payload["reason"]

    def test_a_term_breached_already_gets_the_alarm_as_evidence(
        self, session: Session, actor: Actor
    ) -> None:
        """A term an officer marked breached keeps one breach; the alarm is added to it."""
        build_station(session, actor)
        term_id = orbit_term(session, actor)
        vessel = watch(session, actor, agreement_term_id=term_id)
        times = schedule(START + timedelta(hours=1), 6, INTERVAL)
        truth = TrueOrbit("venus", 400.0, 0.0, START, Burn(times[3], prograde=0.01))
        rng = np.random.default_rng(7)
        feed(session, actor, vessel, truth, times[:2], rng)
        seen = session.scalars(
            select(Event.seq).where(Event.kind.like("vessels.observation.%"))
        ).first()
        assert seen is not None
        mark_term_breached(
            session,
            term_id=term_id,
            reason="seen leaving by the liaison",
            evidence=[EvidenceIn(kind=EvidenceKind.EVENT, ref=str(seen))],
            actor=actor,
        )
        feed(session, actor, vessel, truth, times[2:], rng)
        (alarm,) = alarms(session)
        evidence = session.scalars(select(TermEvidence).where(TermEvidence.term_id == term_id))
        assert sorted(e.ref for e in evidence) == sorted([str(seen), str(alarm.seq)])
        breaches = session.scalars(
            select(Event).where(Event.kind == "agreements.term.breached")
        ).all()
        assert len(breaches) == 1

    def test_the_watch_marks_the_breach(self, session: Session, actor: Actor) -> None:
        """The observation's feeder may be a sensor's token; the breach is the watch's own."""
        build_station(session, actor)
        term_id = orbit_term(session, actor)
        vessel = watch(session, actor, agreement_term_id=term_id)
        times = schedule(START + timedelta(hours=1), 6, INTERVAL)
        truth = TrueOrbit("venus", 400.0, 0.0, START, Burn(times[3], prograde=0.01))
        feed(session, actor, vessel, truth, times, np.random.default_rng(7))
        (breach,) = session.scalars(
            select(Event).where(Event.kind == "agreements.term.breached")
        ).all()
        assert breach.actor_id == "system:vessel-watch"
        assert alarms(session)[0].payload["test"]["false_alarm_probability"] == (
            vessel.false_alarm_probability
        )
