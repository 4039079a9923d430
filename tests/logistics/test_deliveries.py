"""Requests and deliveries: approval, picking, signing at the post, overdue alerts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from muster import clock
from muster.errors import Conflict, Forbidden, Invalid
from muster.events.models import Event
from muster.logistics.custody import custody_board
from muster.logistics.deliveries import confirm_delivery, pick_delivery, run_overdue_deliveries
from muster.logistics.enums import (
    DeliveryStatus,
    ItemKind,
    LocationKind,
    RequestStatus,
    UnitStatus,
)
from muster.logistics.items import find_unit
from muster.logistics.request_schemas import RequestCreate
from muster.logistics.requests import (
    approve_request,
    create_request,
    request_deliveries,
)
from muster.logistics.stock import receive_stock
from muster.policy.actor import Actor

from .conftest import Station, make_item, weapons_request


class TestRequestFlow:
    """A request is approved, picked and signed for at each post, with times."""

    def test_weapons_reach_both_posts_and_are_signed_for(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """Each post's guard signs; the rifles are in the post's custody; the request is done."""
        rifle, request = weapons_request(session, actor, station)
        approve_request(session, request_id=request.id, actor=actor)
        deliveries = request_deliveries(session, request.id)
        assert len(deliveries) == 2
        signers = {station.south.id: station.guard_south, station.west.id: station.guard_west}
        for delivery in deliveries:
            pick_delivery(session, delivery_id=delivery.id, actor=actor)
            assert delivery.picked_at is not None
            confirm_delivery(
                session,
                delivery_id=delivery.id,
                signed_by_person_id=signers[delivery.dest_id].id,
                actor=actor,
            )
            assert delivery.status is DeliveryStatus.CONFIRMED
            assert delivery.confirmed_at is not None
        assert request.status is RequestStatus.DELIVERED
        for post in (station.south, station.west):
            board = custody_board(session, post.id)
            assert len(board) == 2
            assert all(b.signed_by == signers[post.id].name for b in board)
        unit = find_unit(session, rifle, "R-1")
        assert unit.status is UnitStatus.SIGNED_OUT
        assert unit.location_kind is LocationKind.POST

    def test_signer_not_at_the_post_is_refused(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """George, not assigned to the post, cannot sign for it; the delivery stays picked."""
        _rifle, request = weapons_request(session, actor, station)
        approve_request(session, request_id=request.id, actor=actor)
        delivery = request_deliveries(session, request.id)[0]
        pick_delivery(session, delivery_id=delivery.id, actor=actor)
        with pytest.raises(Invalid, match="not assigned"):
            confirm_delivery(
                session,
                delivery_id=delivery.id,
                signed_by_person_id=station.george.id,
                actor=actor,
            )
        assert delivery.status is DeliveryStatus.PICKED

    def test_officer_signing_as_resident_forbidden_by_policy(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """A person assigned to a post but without a weapon role is refused by the policy."""
        from muster.places.service import assign_to_post

        _rifle, request = weapons_request(session, actor, station)
        approve_request(session, request_id=request.id, actor=actor)
        delivery = next(
            d for d in request_deliveries(session, request.id) if d.dest_id == station.south.id
        )
        assign_to_post(session, post_id=station.south.id, person_id=station.lisa.id, actor=actor)
        pick_delivery(session, delivery_id=delivery.id, actor=actor)
        with pytest.raises(Forbidden):
            confirm_delivery(
                session, delivery_id=delivery.id, signed_by_person_id=station.lisa.id, actor=actor
            )

    def test_unpicked_delivery_cannot_be_confirmed(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """Signing for a delivery before it is picked is a Conflict."""
        _rifle, request = weapons_request(session, actor, station)
        approve_request(session, request_id=request.id, actor=actor)
        delivery = request_deliveries(session, request.id)[0]
        with pytest.raises(Conflict, match="only a picked delivery"):
            confirm_delivery(
                session,
                delivery_id=delivery.id,
                signed_by_person_id=station.guard_south.id,
                actor=actor,
            )

    def test_picking_more_than_in_stock_is_refused(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """With one rifle left, a delivery of two cannot be picked."""
        rations = make_item(session, actor, "Ration pack", ItemKind.CONSUMABLE)
        receive_stock(
            session,
            item_id=rations.id,
            location=station.at(station.armory),
            quantity=Decimal(1),
            actor=actor,
        )
        data = RequestCreate.model_validate(
            {
                "title": "Rations",
                "source": {"kind": "zone", "id": station.armory.id},
                "lines": [
                    {
                        "item_id": rations.id,
                        "quantity": "1.5",
                        "dest": {"kind": "post", "id": station.south.id},
                    }
                ],
            }
        )
        request = create_request(session, data=data, actor=actor)
        approve_request(session, request_id=request.id, actor=actor)
        delivery = request_deliveries(session, request.id)[0]
        with pytest.raises(Conflict, match="only 1"):
            pick_delivery(session, delivery_id=delivery.id, actor=actor)
        assert delivery.status is DeliveryStatus.PENDING


class TestOverdue:
    """A delivery past due alerts its requester once."""

    def test_overdue_delivery_alerts_once(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """Two deliveries overdue: two alerts, then none on the next run."""
        _rifle, request = weapons_request(session, actor, station, needed_in=timedelta(minutes=5))
        approve_request(session, request_id=request.id, actor=actor)
        assert run_overdue_deliveries(session, now=clock.now()) == 0
        later = clock.now() + timedelta(minutes=6)
        assert run_overdue_deliveries(session, now=later) == 2
        assert run_overdue_deliveries(session, now=later) == 0
        alerts = session.scalars(select(Event).where(Event.kind == "logistics.delivery.overdue"))
        assert all(request.requester_actor_id in e.subjects for e in alerts)

    def test_confirmed_delivery_is_never_overdue(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """A delivery signed for in time raises no alert later."""
        _rifle, request = weapons_request(session, actor, station, needed_in=timedelta(minutes=5))
        approve_request(session, request_id=request.id, actor=actor)
        signers = {station.south.id: station.guard_south, station.west.id: station.guard_west}
        for delivery in request_deliveries(session, request.id):
            pick_delivery(session, delivery_id=delivery.id, actor=actor)
            confirm_delivery(
                session,
                delivery_id=delivery.id,
                signed_by_person_id=signers[delivery.dest_id].id,
                actor=actor,
            )
        assert run_overdue_deliveries(session, now=clock.now() + timedelta(hours=1)) == 0
