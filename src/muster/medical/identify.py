"""Care details of a casualty, and identifying one: one person is one casualty per incident.

An unidentified casualty who turns out to be a person already recorded in the same incident
is merged into that record: its triages join the history there, its admission follows, and
it is counted no more. A merge that would leave one person in two hospital beds is refused.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from muster import clock
from muster.errors import Conflict
from muster.events.service import append_event
from muster.medical.casualties import casualty_of, find_casualty, side_of, sync_person_status
from muster.medical.models import Admission, Casualty, TriageAssessment
from muster.medical.schemas import CasualtyUpdate
from muster.people.models import Person
from muster.people.service import get_person
from muster.policy.actor import Actor
from muster.policy.authorize import authorize


def _label(session: Session, casualty: Casualty) -> str:
    if casualty.person_id:
        return f"C-{casualty.number} ({get_person(session, casualty.person_id).name})"
    return f"C-{casualty.number} (unidentified)"


def update_casualty(
    session: Session, *, casualty_id: str, data: CasualtyUpdate, actor: Actor
) -> Casualty:
    """Change care details, or identify an unidentified casualty as a registered person.

    Returns the casualty that carries the record afterwards: the person's earlier casualty
    in the incident when the two were merged, else this one.
    """
    authorize(actor, "medical.clinical")
    casualty = find_casualty(session, casualty_id)
    if casualty.merged_into_id is not None:
        raise Conflict(f"C-{casualty.number} was merged into another casualty; change that one")
    values = data.model_dump(exclude_unset=True, exclude_none=True)
    if "person_id" in values:
        person = get_person(session, values["person_id"])
        if casualty.person_id not in (None, person.id):
            raise Conflict(f"casualty C-{casualty.number} is already identified")
        earlier = (
            casualty_of(session, person_id=person.id, incident_id=casualty.incident_id)
            if casualty.incident_id
            else None
        )
        if earlier is not None and earlier.id != casualty.id:
            return _merge(session, casualty, earlier, person, actor)
        values["side"] = side_of(person)
    if "treated_by_id" in values:
        get_person(session, values["treated_by_id"])
    changed = sorted(k for k, v in values.items() if getattr(casualty, k) != v)
    if not changed:
        return casualty
    for field in changed:
        setattr(casualty, field, values[field])
    casualty.updated_at = clock.now()
    session.flush()
    identified = "person_id" in changed
    append_event(
        session,
        kind="medical.casualty.identified" if identified else "medical.casualty.updated",
        actor=actor,
        subjects=[casualty.id, casualty.person_id or "", casualty.incident_id or ""],
        payload={
            "summary": f"Casualty {_label(session, casualty)}: "
            + ("identified." if identified else f"{', '.join(changed)} updated."),
            "number": casualty.number,
            "side": casualty.side.value,
            "fields": changed,
        },
    )
    if identified:
        sync_person_status(session, casualty, actor)
    return casualty


def _in_hospital(session: Session, casualty_id: str, person_id: str | None) -> Admission | None:
    """The open admission of the casualty (or of the person, when given)."""
    whose = Admission.casualty_id == casualty_id
    if person_id is not None:
        whose = or_(whose, Admission.person_id == person_id)
    return session.scalar(select(Admission).where(whose, Admission.discharged_at.is_(None)))


def _merge(
    session: Session, duplicate: Casualty, kept: Casualty, person: Person, actor: Actor
) -> Casualty:
    """Fold ``duplicate`` (unidentified) into ``kept``, the person's casualty in the incident."""
    stay = _in_hospital(session, kept.id, person.id)
    other = _in_hospital(session, duplicate.id, None)
    if stay is not None and other is not None:
        raise Conflict(
            f"C-{duplicate.number} and C-{kept.number} ({person.name}) are both admitted; "
            "discharge one of the two admissions, then identify the casualty again"
        )
    at = clock.now()
    history = session.scalars(
        select(TriageAssessment).where(TriageAssessment.casualty_id.in_([kept.id, duplicate.id]))
    ).all()
    for assessment in history:
        assessment.casualty_id = kept.id
    kept.triage = max(history, key=lambda a: a.assessed_at).category
    if other is not None:
        other.casualty_id, other.person_id = kept.id, person.id
    notes = [f"C-{duplicate.number}: {duplicate.description}".strip()]
    kept.description = "\n".join(x for x in [kept.description, *notes] if x)
    if duplicate.injuries:
        kept.injuries = "\n".join(x for x in [kept.injuries, duplicate.injuries] if x)
    kept.updated_at = at
    duplicate.person_id = person.id
    duplicate.side = kept.side
    duplicate.merged_into_id = kept.id
    duplicate.updated_at = at
    session.flush()
    append_event(
        session,
        kind="medical.casualty.merged",
        actor=actor,
        subjects=[kept.id, duplicate.id, person.id, kept.incident_id or ""],
        payload={
            "summary": f"Casualty C-{duplicate.number} identified as {person.name}, already "
            f"casualty C-{kept.number}: one casualty, the history of both.",
            "number": kept.number,
            "merged": duplicate.number,
            "side": kept.side.value,
            "triage": kept.triage.value,
        },
    )
    sync_person_status(session, kept, actor)
    return kept
