"""Custody of tracked units: signed out to a person or a post, signed back, chained.

A unit signed out moves in stock to its holder (the person, or the post), so stock by
location always shows where each unit is; the custody rows say who signed, and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster import clock
from muster.errors import Conflict, Invalid, NotFound
from muster.events.service import append_event
from muster.logistics.enums import HolderKind, LocationKind, MovementReason, UnitStatus
from muster.logistics.items import get_item, get_unit, unit_location
from muster.logistics.ledger import move
from muster.logistics.locations import Location, check_location, location_name
from muster.logistics.models import Custody, Item, Unit
from muster.logistics.policy import authorize_any_sign_out, authorize_sign_out
from muster.people.models import Person
from muster.places.models import Post, PostAssignment
from muster.policy.actor import Actor
from muster.policy.authorize import authorize

SIGN_BACK = "logistics.custody.sign_back"

# Roles that may sign for a post they are not assigned to.
COMMAND_ROLES = frozenset({"commander", "officer"})


@dataclass(frozen=True)
class Holder:
    """Who receives a unit, and the person who signs for it."""

    kind: HolderKind
    id: str
    label: str
    signer: Person

    @property
    def location(self) -> Location:
        """Where the unit is in stock while held."""
        return Location(LocationKind(self.kind.value), self.id)


def _person(session: Session, person_id: str) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"no person with id {person_id!r}")
    if person.archived_at is not None or person.status.value == "deceased":
        raise Invalid(f"{person.name} cannot sign for anything (archived or deceased)")
    return person


def resolve_holder(
    session: Session,
    *,
    holder_kind: HolderKind,
    holder_id: str,
    signed_by_person_id: str | None,
    actor: Actor,
) -> Holder:
    """The holder and the signer: a person signs for themself; a post by one assigned to it."""
    if holder_kind is HolderKind.PERSON:
        person = _person(session, holder_id)
        if signed_by_person_id not in (None, person.id):
            raise Invalid("a person signs for what they receive themself; leave signed_by out")
        return Holder(holder_kind, person.id, person.name, person)
    post = session.get(Post, holder_id)
    if post is None:
        raise NotFound(f"no post with id {holder_id!r}")
    signer_id = signed_by_person_id or actor.person_id
    if signer_id is None:
        raise Invalid(f"say who signs for {post.name}: a person assigned to it (signed_by)")
    signer = _person(session, signer_id)
    assigned = session.get(PostAssignment, (post.id, signer.id)) is not None
    if not assigned and not COMMAND_ROLES.intersection(signer.roles):
        raise Invalid(
            f"{signer.name} is not assigned to {post.name}; someone assigned to the post "
            "(or an officer) must sign for it"
        )
    return Holder(holder_kind, post.id, post.name, signer)


def hand_over(
    session: Session,
    *,
    unit: Unit,
    item: Item,
    holder: Holder,
    origin: Location,
    actor: Actor,
    reference_id: str | None = None,
    note: str = "",
) -> Custody:
    """Check the policy, move the unit to the holder and open its custody row (no event)."""
    verdict = authorize_sign_out(
        actor,
        item=item,
        holder_kind=holder.kind,
        holder_label=holder.label,
        holder_roles=list(holder.signer.roles),
    )
    source = unit_location(unit)
    move(
        session,
        item=item,
        quantity=Decimal(1),
        source=source,
        dest=holder.location,
        reason=MovementReason.SIGNED_OUT,
        actor=actor,
        unit=unit,
        reference_id=reference_id,
        note=note,
    )
    unit.status = UnitStatus.SIGNED_OUT
    count = session.scalar(select(func.count()).where(Custody.unit_id == unit.id)) or 0
    row = Custody(
        unit_id=unit.id,
        position=count + 1,
        holder_kind=holder.kind,
        holder_id=holder.id,
        signed_by_person_id=holder.signer.id,
        from_kind=origin.kind,
        from_id=origin.id,
        out_at=clock.now(),
        out_actor=actor.label,
        reference_id=reference_id,
        note=note,
    )
    session.add(row)
    session.flush()
    session.info.setdefault("logistics_rules", {})[row.id] = list(verdict.rule_ids)
    return row


def sign_out_unit(
    session: Session,
    *,
    unit_id: str,
    holder_kind: HolderKind,
    holder_id: str,
    signed_by_person_id: str | None = None,
    note: str = "",
    actor: Actor,
) -> Custody:
    """Sign a unit in stock out to a person or a post, if the policy allows the holder."""
    authorize_any_sign_out(actor)
    unit = get_unit(session, unit_id)
    item = get_item(session, unit.item_id)
    if unit.status is not UnitStatus.AVAILABLE:
        raise Conflict(f"{item.name} {unit.serial} is {unit.status.value}; sign it back first")
    holder = resolve_holder(
        session,
        holder_kind=holder_kind,
        holder_id=holder_id,
        signed_by_person_id=signed_by_person_id,
        actor=actor,
    )
    origin = unit_location(unit)
    row = hand_over(
        session, unit=unit, item=item, holder=holder, origin=origin, actor=actor, note=note
    )
    append_event(
        session,
        kind="logistics.custody.signed_out",
        actor=actor,
        subjects=[unit.id, item.id, holder.id, holder.signer.id, origin.id],
        payload={
            "custody_id": row.id,
            "item": item.name,
            "serial": unit.serial,
            "holder": {"kind": holder.kind, "id": holder.id, "name": holder.label},
            "signed_by": holder.signer.name,
            "from": origin.as_dict(),
            "rules": session.info.get("logistics_rules", {}).pop(row.id, []),
            "note": note,
        },
    )
    return row


def open_custody(session: Session, unit_id: str) -> Custody | None:
    """The unit's current custody row, if it is signed out (not back, not lost)."""
    query = select(Custody).where(
        Custody.unit_id == unit_id, Custody.back_at.is_(None), Custody.lost_at.is_(None)
    )
    return session.scalar(query)


def sign_back_unit(
    session: Session,
    *,
    unit_id: str,
    to: Location | None = None,
    note: str = "",
    actor: Actor,
) -> Custody:
    """Sign a unit back in: to ``to``, or where it was signed out from."""
    authorize(actor, SIGN_BACK)
    unit = get_unit(session, unit_id)
    item = get_item(session, unit.item_id)
    row = open_custody(session, unit.id)
    if row is None or unit.status is not UnitStatus.SIGNED_OUT:
        raise Conflict(f"{item.name} {unit.serial} is not signed out (it is {unit.status.value})")
    dest = to or Location(row.from_kind, row.from_id)
    check_location(session, dest)
    move(
        session,
        item=item,
        quantity=Decimal(1),
        source=unit_location(unit),
        dest=dest,
        reason=MovementReason.SIGNED_BACK,
        actor=actor,
        unit=unit,
        reference_id=row.reference_id,
        note=note,
    )
    unit.status = UnitStatus.AVAILABLE
    row.back_at = clock.now()
    row.back_actor = actor.label
    row.back_to_kind = dest.kind
    row.back_to_id = dest.id
    if note:
        row.note = f"{row.note}\n{note}".strip()
    append_event(
        session,
        kind="logistics.custody.signed_back",
        actor=actor,
        subjects=[unit.id, item.id, row.holder_id, dest.id],
        payload={
            "custody_id": row.id,
            "item": item.name,
            "serial": unit.serial,
            "holder": {"kind": row.holder_kind, "id": row.holder_id},
            "to": dest.as_dict(),
            "note": note,
        },
    )
    return row


def chain_of_custody(session: Session, unit_id: str) -> list[Custody]:
    """Every signature of a unit, first to last."""
    get_unit(session, unit_id)
    query = select(Custody).where(Custody.unit_id == unit_id).order_by(Custody.position)
    return list(session.scalars(query).all())


@dataclass(frozen=True)
class HeldUnit:
    """A unit out at a post or with one of its people, for the post's custody board."""

    custody: Custody
    unit: Unit
    item: Item
    holder: str
    signed_by: str


def custody_board(session: Session, post_id: str) -> list[HeldUnit]:
    """What is out at a post: held by the post itself or by the persons assigned to it."""
    post = session.get(Post, post_id)
    if post is None:
        raise NotFound(f"no post with id {post_id!r}")
    people = select(PostAssignment.person_id).where(PostAssignment.post_id == post.id)
    query = (
        select(Custody, Unit, Item)
        .join(Unit, Unit.id == Custody.unit_id)
        .join(Item, Item.id == Unit.item_id)
        .where(Custody.back_at.is_(None), Custody.lost_at.is_(None))
        .where(
            ((Custody.holder_kind == HolderKind.POST) & (Custody.holder_id == post.id))
            | ((Custody.holder_kind == HolderKind.PERSON) & Custody.holder_id.in_(people))
        )
        .order_by(Item.name, Unit.serial)
    )
    board = []
    for custody, unit, item in session.execute(query).all():
        where = Location(LocationKind(custody.holder_kind.value), custody.holder_id)
        holder = location_name(session, where)
        signer = session.get(Person, custody.signed_by_person_id)
        board.append(HeldUnit(custody, unit, item, holder, signer.name if signer else "unknown"))
    return board
