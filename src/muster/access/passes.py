"""Duty passes, transfer authorizations and visit authorizations: leave in a time window."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from sqlalchemy.orm import Session

from muster import clock
from muster.access.models import DutyPass, TransferAuthorization, VisitAuthorization
from muster.errors import Invalid, NotFound
from muster.events.service import append_event
from muster.people.enums import Affiliation
from muster.people.service import get_party, get_person
from muster.places.models import Zone
from muster.policy.actor import Actor


def _check_window(valid_from: datetime, valid_until: datetime) -> None:
    if valid_until <= valid_from:
        raise Invalid("the window must end after it starts")


def issue_duty_pass(
    session: Session,
    *,
    person_id: str,
    purpose: str,
    valid_from: datetime,
    valid_until: datetime,
    actor: Actor,
) -> DutyPass:
    """Let a resident or crew member out through airlocks during the window."""
    person = get_person(session, person_id)
    if person.affiliation == Affiliation.VISITOR:
        raise Invalid("duty passes are for residents and crew; visitors leave to their vessel")
    _check_window(valid_from, valid_until)
    row = DutyPass(
        person_id=person.id,
        purpose=purpose.strip(),
        valid_from=valid_from,
        valid_until=valid_until,
        issued_by=actor.label,
        issued_at=clock.now(),
    )
    session.add(row)
    session.flush()
    append_event(
        session,
        kind="access.duty_pass.issued",
        actor=actor,
        subjects=[person.id, row.id],
        payload={"purpose": row.purpose, "from": valid_from, "until": valid_until},
    )
    return row


_Revocable = TypeVar("_Revocable", DutyPass, TransferAuthorization)


def _revoke_now(
    session: Session, model: type[_Revocable], row_id: str, *, what: str, kind: str, actor: Actor
) -> _Revocable:
    """End a pass or authorization at once, with its event."""
    row = session.get(model, row_id)
    if row is None:
        raise NotFound(f"no {what} with id {row_id!r}")
    row.revoked_at = clock.now()
    session.flush()
    append_event(session, kind=kind, actor=actor, subjects=[row.person_id, row.id])
    return row


def revoke_duty_pass(session: Session, *, pass_id: str, actor: Actor) -> DutyPass:
    """End a duty pass now."""
    return _revoke_now(
        session, DutyPass, pass_id, what="duty pass", kind="access.duty_pass.revoked", actor=actor
    )


def grant_transfer(
    session: Session,
    *,
    person_id: str,
    vessel_party_id: str,
    valid_from: datetime,
    valid_until: datetime,
    source: str,
    actor: Actor,
) -> TransferAuthorization:
    """Let a person go to one vessel in the window (granted by the consent process)."""
    person = get_person(session, person_id)
    vessel = get_party(session, vessel_party_id)
    _check_window(valid_from, valid_until)
    row = TransferAuthorization(
        person_id=person.id,
        vessel_party_id=vessel.id,
        source=source,
        valid_from=valid_from,
        valid_until=valid_until,
        granted_by=actor.label,
        granted_at=clock.now(),
    )
    session.add(row)
    session.flush()
    append_event(
        session,
        kind="access.transfer.granted",
        actor=actor,
        subjects=[person.id, vessel.id, row.id],
        payload={"vessel": vessel.name, "source": source, "until": valid_until},
    )
    return row


def revoke_transfer(session: Session, *, transfer_id: str, actor: Actor) -> TransferAuthorization:
    """End a transfer authorization now (consent revoked, check-up overdue)."""
    return _revoke_now(
        session,
        TransferAuthorization,
        transfer_id,
        what="transfer authorization",
        kind="access.transfer.revoked",
        actor=actor,
    )


def issue_visit(
    session: Session,
    *,
    person_id: str,
    host_id: str,
    purpose: str,
    zone_ids: list[str],
    valid_from: datetime,
    valid_until: datetime,
    actor: Actor,
) -> VisitAuthorization:
    """Let a visitor board under escort and pass doors into the listed zones."""
    person = get_person(session, person_id)
    if person.affiliation != Affiliation.VISITOR:
        raise Invalid("visit authorizations are for visitors")
    host = get_person(session, host_id)
    for zone_id in zone_ids:
        if session.get(Zone, zone_id) is None:
            raise NotFound(f"no zone with id {zone_id!r}")
    _check_window(valid_from, valid_until)
    row = VisitAuthorization(
        person_id=person.id,
        host_id=host.id,
        purpose=purpose.strip(),
        zone_ids=sorted(set(zone_ids)),
        valid_from=valid_from,
        valid_until=valid_until,
        issued_by=actor.label,
        issued_at=clock.now(),
    )
    session.add(row)
    session.flush()
    append_event(
        session,
        kind="access.visit.issued",
        actor=actor,
        subjects=[person.id, host.id, row.id],
        payload={"purpose": row.purpose, "zones": row.zone_ids, "until": valid_until},
    )
    return row
