"""Work orders: materials reserved and consumed, steps, tests, photos, finished stock."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from muster.errors import Conflict
from muster.logistics import stock
from muster.logistics.enums import Outcome, WorkOrderStatus
from muster.logistics.ledger import stock_level
from muster.logistics.workorder_models import WorkOrder
from muster.logistics.workorders import (
    cancel_work_order,
    complete_step,
    complete_work_order,
    consume_material,
    materials_of,
    record_test,
    steps_of,
)
from muster.policy.actor import Actor

from .conftest import Station, shield_order


class TestReservation:
    """Materials are reserved at creation and consumed out of the reservation."""

    def test_reserved_material_cannot_be_taken_by_others(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """With six of ten sheets reserved, taking five elsewhere is refused."""
        sheets, _shields, _order = shield_order(session, actor, station)
        with pytest.raises(Conflict, match="only 4"):
            stock.transfer_stock(
                session,
                item_id=sheets.id,
                source=station.at(station.workshop),
                dest=station.at(station.armory),
                quantity=Decimal(5),
                actor=actor,
            )

    def test_consumption_lowers_stock_and_reservation(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """Using five sheets leaves five in stock with one still reserved."""
        sheets, _shields, order = shield_order(session, actor, station)
        material = materials_of(session, order.id)[0]
        consume_material(session, material_id=material.id, quantity=Decimal(5), actor=actor)
        level = stock_level(session, sheets.id, station.at(station.workshop))
        assert level is not None
        assert (level.quantity, level.reserved) == (5, 1)
        assert material.consumed == 5
        assert order.status is WorkOrderStatus.IN_PROGRESS

    def test_consuming_beyond_reservation_is_refused(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """More than is reserved cannot be consumed."""
        _sheets, _shields, order = shield_order(session, actor, station)
        material = materials_of(session, order.id)[0]
        with pytest.raises(Conflict, match="remain reserved"):
            consume_material(session, material_id=material.id, quantity=Decimal(7), actor=actor)

    def test_cancel_releases_reservation(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """A cancelled order frees what it had reserved."""
        sheets, _shields, order = shield_order(session, actor, station)
        cancel_work_order(session, work_order_id=order.id, note="no longer needed", actor=actor)
        level = stock_level(session, sheets.id, station.at(station.workshop))
        assert level is not None
        assert level.reserved == 0


class TestCompletion:
    """A work order finishes only when its steps are done and its tests pass."""

    def finish_steps(self, session: Session, actor: Actor, order: WorkOrder) -> None:
        """Mark every step done."""
        for step in steps_of(session, order.id):
            complete_step(session, step_id=step.id, actor=actor)

    def test_open_steps_block_completion(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """With a step left, the order cannot be completed."""
        _sheets, _shields, order = shield_order(session, actor, station)
        with pytest.raises(Conflict, match="not done"):
            complete_work_order(session, work_order_id=order.id, actor=actor)

    def test_failed_test_blocks_until_a_pass(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """A failed blade test blocks; a later pass of the same test clears it."""
        _sheets, _shields, order = shield_order(session, actor, station)
        self.finish_steps(session, actor, order)
        record_test(
            session,
            work_order_id=order.id,
            name="Blade strike",
            outcome=Outcome.FAILED,
            notes="edge cut through",
            actor=actor,
        )
        with pytest.raises(Conflict, match="Blade strike"):
            complete_work_order(session, work_order_id=order.id, actor=actor)
        record_test(
            session,
            work_order_id=order.id,
            name="Blade strike",
            outcome=Outcome.PASSED,
            notes="doubled sheet held",
            actor=actor,
        )
        complete_work_order(session, work_order_id=order.id, actor=actor)
        assert order.status is WorkOrderStatus.DONE

    def test_finished_shields_enter_stock_and_leftovers_are_freed(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """Four shields appear in the workshop; the unused reservation is released."""
        sheets, shields, order = shield_order(session, actor, station)
        material = materials_of(session, order.id)[0]
        consume_material(session, material_id=material.id, quantity=Decimal(4), actor=actor)
        self.finish_steps(session, actor, order)
        complete_work_order(session, work_order_id=order.id, actor=actor)
        assert stock.item_total(session, shields.id) == 4
        level = stock_level(session, sheets.id, station.at(station.workshop))
        assert level is not None
        assert (level.quantity, level.reserved) == (6, 0)

    def test_closed_order_refuses_changes(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """Nothing can be recorded on a finished order."""
        _sheets, _shields, order = shield_order(session, actor, station)
        self.finish_steps(session, actor, order)
        complete_work_order(session, work_order_id=order.id, actor=actor)
        with pytest.raises(Conflict, match="done"):
            record_test(
                session, work_order_id=order.id, name="x", outcome=Outcome.PASSED, actor=actor
            )
