"""A unit lost while signed out: written off from its custody chain, never returned.

A weapon dropped in the collar or taken in a struggle did not come back, so signing it back
would put a false return in the record. Its chain ends in a loss instead: the open custody
signature records when, why, who wrote it off and who witnessed it; the unit leaves stock
from the holder it was with, and its status is ``lost``.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from muster import clock
from muster.errors import Conflict, Invalid
from muster.events.service import append_event
from muster.logistics.custody import open_custody
from muster.logistics.enums import MovementReason, UnitStatus
from muster.logistics.items import get_item, get_unit, unit_location
from muster.logistics.ledger import move
from muster.logistics.models import Custody
from muster.people.enums import of_visiting_party
from muster.people.models import Person
from muster.people.service import find_person
from muster.policy.actor import Actor
from muster.policy.authorize import authorize

WRITE_OFF = "logistics.custody.write_off"
LOST = "logistics.custody.lost"


def _witness(session: Session, person_id: str, custody: Custody, actor: Actor) -> Person:
    """A living station person other than the holder, the signer and the one writing off."""
    witness = find_person(session, person_id)  # id, badge or name
    if witness.archived_at is not None or witness.status.value == "deceased":
        raise Invalid(f"{witness.name} cannot witness anything (archived or deceased)")
    if of_visiting_party(witness.affiliation, witness.party_id):
        raise Invalid(f"{witness.name} is of the visiting party; a member of the station witnesses")
    involved = {custody.signed_by_person_id, actor.person_id}
    if custody.holder_kind.value == "person":
        involved.add(custody.holder_id)
    if witness.id in involved:
        raise Invalid(
            f"{witness.name} held, signed for or is writing off the unit; the witness is "
            "someone else who saw it lost or confirms it"
        )
    return witness


def authorize_write_off(actor: Actor) -> None:
    """Who may write off a lost unit, asked before the unit or the witness is looked up."""
    authorize(actor, WRITE_OFF)


def write_off_lost(
    session: Session, *, unit_id: str, reason: str, witness_person_id: str, actor: Actor
) -> Custody:
    """Write off a unit lost while signed out: its chain ends in a loss, with a witness."""
    authorize_write_off(actor)
    if not reason.strip():
        raise Invalid("say how the unit was lost (reason), so the record explains it")
    unit = get_unit(session, unit_id)
    item = get_item(session, unit.item_id)
    row = open_custody(session, unit.id)
    if row is None or unit.status is not UnitStatus.SIGNED_OUT:
        raise Conflict(
            f"{item.name} {unit.serial} is {unit.status.value}, not signed out; only a unit "
            "lost while signed out is written off from custody (consume stock otherwise)"
        )
    witness = _witness(session, witness_person_id, row, actor)
    held_at = unit_location(unit)
    movement = move(
        session,
        item=item,
        quantity=Decimal(1),
        source=held_at,
        dest=None,
        reason=MovementReason.LOST,
        actor=actor,
        unit=unit,
        reference_id=row.reference_id,
        note=reason.strip(),
    )
    unit.status = UnitStatus.LOST
    row.lost_at = clock.now()
    row.lost_actor = actor.label
    row.lost_reason = reason.strip()
    row.witness_person_id = witness.id
    append_event(
        session,
        kind=LOST,
        actor=actor,
        subjects=[unit.id, item.id, row.holder_id, row.signed_by_person_id, witness.id],
        payload={
            "custody_id": row.id,
            "item": item.name,
            "kind": item.kind.value,
            "serial": unit.serial,
            "holder": {"kind": row.holder_kind, "id": row.holder_id},
            "from": held_at.as_dict(),
            "reason": row.lost_reason,
            "witness": {"id": witness.id, "name": witness.name},
            "movement_id": movement.id,
        },
    )
    return row
