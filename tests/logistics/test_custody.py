"""Custody: units signed out and back, the chain of custody, the post board, the weapon rule."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from muster.errors import Conflict, Forbidden, Invalid
from muster.logistics.custody import chain_of_custody, custody_board, sign_back_unit, sign_out_unit
from muster.logistics.enums import HolderKind, ItemKind, UnitStatus
from muster.logistics.items import find_unit
from muster.logistics.models import Item, Unit
from muster.logistics.stock import receive_stock
from muster.policy.actor import Actor

from .conftest import Station, make_item


def stocked(session: Session, actor: Actor, station: Station, kind: ItemKind) -> tuple[Item, Unit]:
    """One tracked unit of a new item of ``kind`` in the armory."""
    item = make_item(session, actor, f"Thing {kind.value}", kind, tracked=True)
    receive_stock(
        session, item_id=item.id, location=station.at(station.armory), serials=["S-1"], actor=actor
    )
    return item, find_unit(session, item, "S-1")


class TestSignOutAndBack:
    """A unit goes out to a holder and comes back, each step in its chain."""

    def test_chain_records_every_holder_in_order(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """Out to a guard, back, out to the South post: three links, the last open."""
        _item, unit = stocked(session, actor, station, ItemKind.WEAPON)
        sign_out_unit(
            session,
            unit_id=unit.id,
            holder_kind=HolderKind.PERSON,
            holder_id=station.guard_west.id,
            actor=actor,
        )
        assert unit.location_id == station.guard_west.id
        sign_back_unit(session, unit_id=unit.id, actor=actor)
        assert unit.location_id == station.armory.id
        sign_out_unit(
            session,
            unit_id=unit.id,
            holder_kind=HolderKind.POST,
            holder_id=station.south.id,
            signed_by_person_id=station.guard_south.id,
            actor=actor,
        )
        chain = chain_of_custody(session, unit.id)
        assert [c.holder_id for c in chain] == [station.guard_west.id, station.south.id]
        assert chain[0].back_at is not None
        assert chain[1].back_at is None
        assert chain[1].signed_by_person_id == station.guard_south.id

    def test_signed_out_unit_cannot_go_out_again(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """A unit already out must be signed back before anyone else takes it."""
        _item, unit = stocked(session, actor, station, ItemKind.EQUIPMENT)
        sign_out_unit(
            session,
            unit_id=unit.id,
            holder_kind=HolderKind.PERSON,
            holder_id=station.lisa.id,
            actor=actor,
        )
        with pytest.raises(Conflict, match="sign it back"):
            sign_out_unit(
                session,
                unit_id=unit.id,
                holder_kind=HolderKind.PERSON,
                holder_id=station.george.id,
                actor=actor,
            )

    def test_unit_in_stock_cannot_be_signed_back(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """Signing back a unit that is not out is a Conflict."""
        _item, unit = stocked(session, actor, station, ItemKind.EQUIPMENT)
        with pytest.raises(Conflict, match="not signed out"):
            sign_back_unit(session, unit_id=unit.id, actor=actor)

    def test_post_is_signed_for_by_its_people(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """Someone not assigned to a post (and not an officer) cannot sign for it."""
        _item, unit = stocked(session, actor, station, ItemKind.EQUIPMENT)
        with pytest.raises(Invalid, match="not assigned"):
            sign_out_unit(
                session,
                unit_id=unit.id,
                holder_kind=HolderKind.POST,
                holder_id=station.south.id,
                signed_by_person_id=station.lisa.id,
                actor=actor,
            )
        sign_out_unit(
            session,
            unit_id=unit.id,
            holder_kind=HolderKind.POST,
            holder_id=station.south.id,
            signed_by_person_id=station.dominic.id,
            actor=actor,
        )
        assert unit.status is UnitStatus.SIGNED_OUT


class TestWeaponPolicy:
    """Weapons go only to the roles the Cedar policy allows, whoever hands them out."""

    def test_weapon_refused_to_a_resident(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """Even the administrator cannot sign a weapon out to Lisa, who has no guard role."""
        _item, unit = stocked(session, actor, station, ItemKind.WEAPON)
        with pytest.raises(Forbidden, match="may not be signed out to Lisa"):
            sign_out_unit(
                session,
                unit_id=unit.id,
                holder_kind=HolderKind.PERSON,
                holder_id=station.lisa.id,
                actor=actor,
            )
        assert unit.status is UnitStatus.AVAILABLE
        assert unit.location_id == station.armory.id

    def test_weapon_refused_to_an_engineer(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """George the engineer may not hold a weapon."""
        _item, unit = stocked(session, actor, station, ItemKind.WEAPON)
        with pytest.raises(Forbidden):
            sign_out_unit(
                session,
                unit_id=unit.id,
                holder_kind=HolderKind.PERSON,
                holder_id=station.george.id,
                actor=actor,
            )

    def test_tool_goes_to_anyone(self, session: Session, actor: Actor, station: Station) -> None:
        """A tool may be signed out to a resident."""
        _item, unit = stocked(session, actor, station, ItemKind.TOOL)
        row = sign_out_unit(
            session,
            unit_id=unit.id,
            holder_kind=HolderKind.PERSON,
            holder_id=station.lisa.id,
            actor=actor,
        )
        assert row.holder_id == station.lisa.id

    def test_operator_without_role_cannot_hand_out(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """An observer operator cannot sign anything out."""
        _item, unit = stocked(session, actor, station, ItemKind.TOOL)
        observer = Actor(kind="account", id="obs", name="obs", roles=frozenset({"observer"}))
        with pytest.raises(Forbidden):
            sign_out_unit(
                session,
                unit_id=unit.id,
                holder_kind=HolderKind.PERSON,
                holder_id=station.lisa.id,
                actor=observer,
            )


class TestCustodyBoard:
    """A post's board lists what is out at the post and with its people."""

    def test_board_lists_post_and_its_guards(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """Units held by the South post or its guard appear; the West guard's do not."""
        item = make_item(session, actor, "Rifle", ItemKind.WEAPON, tracked=True)
        receive_stock(
            session,
            item_id=item.id,
            location=station.at(station.armory),
            serials=["R-1", "R-2", "R-3"],
            actor=actor,
        )
        units = {s: find_unit(session, item, s) for s in ("R-1", "R-2", "R-3")}
        sign_out_unit(
            session,
            unit_id=units["R-1"].id,
            holder_kind=HolderKind.POST,
            holder_id=station.south.id,
            signed_by_person_id=station.guard_south.id,
            actor=actor,
        )
        sign_out_unit(
            session,
            unit_id=units["R-2"].id,
            holder_kind=HolderKind.PERSON,
            holder_id=station.guard_south.id,
            actor=actor,
        )
        sign_out_unit(
            session,
            unit_id=units["R-3"].id,
            holder_kind=HolderKind.PERSON,
            holder_id=station.guard_west.id,
            actor=actor,
        )
        board = custody_board(session, station.south.id)
        assert [(b.unit.serial, b.holder) for b in board] == [
            ("R-1", "South airlock post"),
            ("R-2", "Guard South"),
        ]
