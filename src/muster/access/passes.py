"""Duty passes and visit authorizations: leave in a time window.

A transfer to a vessel is not issued here or anywhere: it is derived from its consent case
at each decision (``transfers.py``). A duty pass names the duty it is for and never opens an
airlock to a visiting party's vessel for a resident (the policy's
``exit.forbid.resident-to-vessel``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from muster import clock
from muster.access.models import DutyPass, VisitAuthorization
from muster.errors import Forbidden, Invalid, NotFound
from muster.events.service import append_event
from muster.people.enums import Affiliation
from muster.people.service import find_person
from muster.places.models import Zone
from muster.policy.actor import Actor
from muster.policy.authorize import authorize, is_allowed


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
    """Let a resident or crew member out through airlocks during the window, for a duty.

    The pass names its duty. It is not a transfer: for a resident it opens no airlock to a
    visiting party's vessel (only an approved, current consent case does). The commander's
    (``duty_pass.issue``), authorized before the person (id, badge id or name) is looked up.
    """
    authorize(actor, "duty_pass.issue")
    person = find_person(session, person_id)
    if person.affiliation == Affiliation.VISITOR:
        raise Invalid("duty passes are for residents and crew; visitors leave to their vessel")
    if not purpose.strip():
        raise Invalid("name the duty the pass is for (for example: hull inspection at Dock 2)")
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


def revoke_duty_pass(session: Session, *, pass_id: str, actor: Actor) -> DutyPass:
    """End a duty pass now (``duty_pass.issue``: whoever may issue one), authorized before
    the pass is looked up."""
    authorize(actor, "duty_pass.issue")
    row = session.get(DutyPass, pass_id)
    if row is None:
        raise NotFound(f"no duty pass with id {pass_id!r}")
    row.revoked_at = clock.now()
    session.flush()
    append_event(
        session, kind="access.duty_pass.revoked", actor=actor, subjects=[row.person_id, row.id]
    )
    return row


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
    """Let a visitor board under escort and pass doors into the listed zones.

    The command issues visits (``visit.issue``); a medic only as the hospital's chief
    hosting a visiting surgeon (``hospital.manage``, with a medic as the host), as
    ``medical.flows.authorize_surgeon_visit`` does. Authorized before anyone is looked up
    (``person_id`` and ``host_id``: ids, badge ids or names); the host is checked after.
    """
    by_command = is_allowed(actor, "visit.issue")
    if not by_command and not is_allowed(actor, "hospital.manage"):
        authorize(actor, "visit.issue")  # refused: the answer names the action
    person = find_person(session, person_id)
    if person.affiliation != Affiliation.VISITOR:
        raise Invalid("visit authorizations are for visitors")
    host = find_person(session, host_id)
    if not by_command and "medic" not in host.roles:
        raise Forbidden(
            f"{actor.label} may issue a visit only as the hospital's host, with a medic as "
            "the host; other visits are the commander's, an officer's or the liaison's",
            action="visit.issue",
        )
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
