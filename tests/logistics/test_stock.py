"""Stock: receiving, moving, counting and consuming; levels never negative; every move logged."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster.errors import Conflict, Invalid, NotFound
from muster.events.models import Event
from muster.logistics import stock
from muster.logistics.enums import ItemKind, LocationKind, UnitStatus
from muster.logistics.items import find_unit
from muster.logistics.locations import Location
from muster.logistics.models import StockLevel, Unit
from muster.logistics.stock import item_total, items_below_reorder, list_levels
from muster.policy.actor import Actor

from .conftest import Station, make_item


def level(session: Session, item_id: str, where: Location) -> Decimal:
    """The quantity of an item at a location (zero when never stocked)."""
    views, _ = list_levels(session, item_id=item_id, include_empty=True, limit=500)
    for view in views:
        if (view.location_kind, view.location_id) == (where.kind, where.id):
            return view.quantity
    return Decimal(0)


class TestReceiveAndTransfer:
    """Stock received and moved lands exactly where it was sent, in exact quantities."""

    def test_decimal_quantities_stay_exact(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """Tenths received three times add up to exactly three tenths."""
        sheets = make_item(session, actor, "Aluminium sheet", unit="m2")
        for _ in range(3):
            stock.receive_stock(
                session,
                item_id=sheets.id,
                location=station.at(station.workshop),
                quantity=Decimal("0.1"),
                actor=actor,
            )
        assert level(session, sheets.id, station.at(station.workshop)) == Decimal("0.3")

    def test_transfer_moves_between_locations(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """A transfer lowers the source and raises the destination by the same amount."""
        rations = make_item(session, actor, "Ration pack", ItemKind.CONSUMABLE)
        stock.receive_stock(
            session,
            item_id=rations.id,
            location=station.at(station.armory),
            quantity=Decimal(10),
            actor=actor,
        )
        stock.transfer_stock(
            session,
            item_id=rations.id,
            source=station.at(station.armory),
            dest=station.at(station.south),
            quantity=Decimal(4),
            actor=actor,
        )
        assert level(session, rations.id, station.at(station.armory)) == 6
        assert level(session, rations.id, station.at(station.south)) == 4

    def test_every_movement_appends_an_event(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """Receiving and transferring each append one logistics.stock event."""
        rations = make_item(session, actor, "Ration pack", ItemKind.CONSUMABLE)
        stock.receive_stock(
            session,
            item_id=rations.id,
            location=station.at(station.armory),
            quantity=Decimal(2),
            actor=actor,
        )
        stock.transfer_stock(
            session,
            item_id=rations.id,
            source=station.at(station.armory),
            dest=station.at(station.west),
            quantity=Decimal(1),
            actor=actor,
        )
        kinds = session.scalars(
            select(Event.kind).where(Event.kind.startswith("logistics.stock.")).order_by(Event.seq)
        ).all()
        assert kinds == ["logistics.stock.received", "logistics.stock.transferred"]

    def test_taking_more_than_is_there_is_refused(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """A transfer beyond what is at the source is a Conflict and changes nothing."""
        rations = make_item(session, actor, "Ration pack", ItemKind.CONSUMABLE)
        stock.receive_stock(
            session,
            item_id=rations.id,
            location=station.at(station.armory),
            quantity=Decimal(3),
            actor=actor,
        )
        with pytest.raises(Conflict, match="only 3"):
            stock.transfer_stock(
                session,
                item_id=rations.id,
                source=station.at(station.armory),
                dest=station.at(station.south),
                quantity=Decimal(4),
                actor=actor,
            )
        assert level(session, rations.id, station.at(station.armory)) == 3

    def test_tracked_units_need_serials(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """A tracked item refuses a bare quantity and takes one unit per serial."""
        rifle = make_item(session, actor, "Rifle", ItemKind.WEAPON, tracked=True)
        with pytest.raises(Invalid, match="serial"):
            stock.receive_stock(
                session,
                item_id=rifle.id,
                location=station.at(station.armory),
                quantity=Decimal(2),
                actor=actor,
            )
        stock.receive_stock(
            session,
            item_id=rifle.id,
            location=station.at(station.armory),
            serials=["R-1", "R-2"],
            actor=actor,
        )
        assert level(session, rifle.id, station.at(station.armory)) == 2
        with pytest.raises(Conflict, match="already in stock"):
            stock.receive_stock(
                session,
                item_id=rifle.id,
                location=station.at(station.armory),
                serials=["R-2"],
                actor=actor,
            )

    def test_fractional_quantity_of_tracked_item_refused(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """Too many decimal places, or part of a unit, is refused."""
        gel = make_item(session, actor, "Sealant gel", unit="l")
        with pytest.raises(Invalid, match="decimal places"):
            stock.receive_stock(
                session,
                item_id=gel.id,
                location=station.at(station.workshop),
                quantity=Decimal("0.00001"),
                actor=actor,
            )

    def test_unknown_location_is_not_found(self, session: Session, actor: Actor) -> None:
        """Stock cannot be received at a zone that does not exist."""
        gel = make_item(session, actor, "Sealant gel", unit="l")
        with pytest.raises(NotFound):
            stock.receive_stock(
                session,
                item_id=gel.id,
                location=Location(LocationKind.ZONE, "nowhere"),
                quantity=Decimal(1),
                actor=actor,
            )


class TestCountAndConsume:
    """Stocktakes set counts with a reason; consumption removes stock and writes units off."""

    def test_adjust_needs_a_note_and_sets_the_count(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """An adjustment without a note is refused; with one it sets the level."""
        gel = make_item(session, actor, "Sealant gel", unit="l")
        with pytest.raises(Invalid, match="note"):
            stock.adjust_stock(
                session,
                item_id=gel.id,
                location=station.at(station.workshop),
                quantity=Decimal(5),
                actor=actor,
            )
        stock.adjust_stock(
            session,
            item_id=gel.id,
            location=station.at(station.workshop),
            quantity=Decimal("5.5"),
            note="stocktake",
            actor=actor,
        )
        assert level(session, gel.id, station.at(station.workshop)) == Decimal("5.5")

    def test_consumed_unit_is_written_off(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """Consuming a tracked unit writes it off and leaves it nowhere in stock."""
        rifle = make_item(session, actor, "Rifle", ItemKind.WEAPON, tracked=True)
        stock.receive_stock(
            session,
            item_id=rifle.id,
            location=station.at(station.armory),
            serials=["R-1"],
            actor=actor,
        )
        stock.consume_stock(
            session,
            item_id=rifle.id,
            location=station.at(station.armory),
            serials=["R-1"],
            note="damaged beyond repair",
            actor=actor,
        )
        unit = find_unit(session, rifle, "R-1")
        assert unit.status is UnitStatus.WRITTEN_OFF
        assert unit.location_id is None
        assert item_total(session, rifle.id) == 0

    def test_items_at_or_below_reorder_level_are_listed(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """An item whose total falls to its reorder level is reported; one above is not."""
        low = make_item(session, actor, "Bandage", ItemKind.MEDICAL, reorder_level="10")
        high = make_item(session, actor, "Splint", ItemKind.MEDICAL, reorder_level="2")
        for item in (low, high):
            stock.receive_stock(
                session,
                item_id=item.id,
                location=station.at(station.armory),
                quantity=Decimal(10),
                actor=actor,
            )
        assert [i.name for i, _ in items_below_reorder(session)] == ["Bandage"]


LOCATIONS = 3
quantities = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(50), places=2)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("receive"), st.integers(0, LOCATIONS - 1), quantities),
        st.tuples(st.just("consume"), st.integers(0, LOCATIONS - 1), quantities),
        st.tuples(
            st.just("transfer"),
            st.integers(0, LOCATIONS - 1),
            quantities,
            st.integers(0, LOCATIONS - 1),
        ),
        st.tuples(st.just("count"), st.integers(0, LOCATIONS - 1), quantities),
    ),
    max_size=25,
)


class TestStockInvariants:
    """No sequence of movements makes stock negative, loses stock or loses a unit."""

    @settings(
        max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(ops=operations)
    def test_untracked_levels_match_a_model_and_never_go_negative(
        self, session: Session, actor: Actor, station: Station, ops: list[tuple]
    ) -> None:
        """Levels equal a simple model after any sequence; refused moves change nothing."""
        places = [station.at(station.armory), station.at(station.south), station.at(station.west)]
        savepoint = session.begin_nested()
        gel = make_item(session, actor, "Sealant gel", unit="l")
        model = [Decimal(0)] * LOCATIONS
        for op in ops:
            kind, at, qty = op[0], op[1], op[2]
            try:
                if kind == "receive":
                    stock.receive_stock(
                        session, item_id=gel.id, location=places[at], quantity=qty, actor=actor
                    )
                    model[at] += qty
                elif kind == "consume":
                    stock.consume_stock(
                        session, item_id=gel.id, location=places[at], quantity=qty, actor=actor
                    )
                    model[at] -= qty
                elif kind == "count":
                    stock.adjust_stock(
                        session,
                        item_id=gel.id,
                        location=places[at],
                        quantity=qty,
                        note="count",
                        actor=actor,
                    )
                    model[at] = qty
                else:
                    to = op[3]
                    stock.transfer_stock(
                        session,
                        item_id=gel.id,
                        source=places[at],
                        dest=places[to],
                        quantity=qty,
                        actor=actor,
                    )
                    model[at] -= qty
                    model[to] += qty
            except Conflict:
                assert model[at] < qty
            except Invalid:
                assert kind == "transfer"
                assert op[3] == at
            for n, place in enumerate(places):
                assert level(session, gel.id, place) == model[n] >= 0
        negative = select(func.count()).where(StockLevel.quantity < 0)
        assert session.scalar(negative) == 0
        savepoint.rollback()

    @settings(
        max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(moves=st.lists(st.tuples(st.integers(0, 4), st.integers(0, LOCATIONS - 1)), max_size=25))
    def test_tracked_units_are_never_lost(
        self, session: Session, actor: Actor, station: Station, moves: list[tuple[int, int]]
    ) -> None:
        """Five rifles moved at random stay five, each in one place, levels matching units."""
        places = [station.at(station.armory), station.at(station.south), station.at(station.west)]
        savepoint = session.begin_nested()
        rifle = make_item(session, actor, "Rifle", ItemKind.WEAPON, tracked=True)
        serials = [f"R-{n}" for n in range(5)]
        stock.receive_stock(
            session, item_id=rifle.id, location=places[0], serials=serials, actor=actor
        )
        for which, to in moves:
            unit = find_unit(session, rifle, serials[which])
            here = places.index(next(p for p in places if p.id == unit.location_id))
            if here == to:
                continue
            stock.transfer_stock(
                session,
                item_id=rifle.id,
                source=places[here],
                dest=places[to],
                serials=[unit.serial],
                actor=actor,
            )
        units = session.scalars(select(Unit).where(Unit.item_id == rifle.id)).all()
        assert len(units) == 5
        for place in places:
            here = [u for u in units if u.location_id == place.id]
            assert level(session, rifle.id, place) == len(here)
        savepoint.rollback()
