"""Photos of a work order's tests: kept with a checksum, only real images, only by engineers."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from muster.errors import Forbidden, Invalid, NotFound
from muster.logistics.enums import Outcome
from muster.logistics.photos import attach_photo, photos_of
from muster.logistics.workorders import record_test
from muster.policy.actor import Actor

from .conftest import PNG, Station, shield_order

GEORGE = Actor(kind="account", id="acc-george", name="George", roles=frozenset({"engineer"}))
KEEPER = Actor(kind="account", id="acc-kim", name="Kim", roles=frozenset({"logistics"}))


def strike_test(session: Session, actor: Actor, station: Station) -> str:
    """The hand-shield order's blade-strike test, passed; its id."""
    _sheets, _shields, order = shield_order(session, actor, station)
    test = record_test(
        session, work_order_id=order.id, name="Blade strike", outcome=Outcome.PASSED, actor=actor
    )
    return test.id


class TestPhotos:
    """Test photos are stored with a checksum; other files are refused."""

    def test_png_is_kept(self, session: Session, actor: Actor, station: Station) -> None:
        """A PNG attached to a test is stored with its size."""
        _sheets, _shields, order = shield_order(session, actor, station)
        test = record_test(
            session,
            work_order_id=order.id,
            name="Blade strike",
            outcome=Outcome.PASSED,
            actor=actor,
        )
        photo = attach_photo(
            session,
            test_id=test.id,
            filename="strike.png",
            content_type="image/png",
            data=PNG,
            actor=actor,
        )
        assert photo.size == len(PNG)
        assert len(photo.sha256) == 64

    def test_mislabelled_file_is_refused(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """Bytes that are not a PNG, sent as one, are refused."""
        _sheets, _shields, order = shield_order(session, actor, station)
        test = record_test(
            session,
            work_order_id=order.id,
            name="Blade strike",
            outcome=Outcome.PASSED,
            actor=actor,
        )
        with pytest.raises(Invalid, match="not a image/png"):
            attach_photo(
                session,
                test_id=test.id,
                filename="x.png",
                content_type="image/png",
                data=b"hello",
                actor=actor,
            )

    def test_only_images(self, session: Session, actor: Actor, station: Station) -> None:
        """A PDF is refused by its type, an empty PNG by its size."""
        test_id = strike_test(session, actor, station)
        with pytest.raises(Invalid, match="JPEG, PNG or WebP, not application/pdf"):
            attach_photo(
                session,
                test_id=test_id,
                filename="x.pdf",
                content_type="application/pdf",
                data=b"%PDF-1.7",
                actor=actor,
            )
        with pytest.raises(Invalid, match="the photo is empty"):
            attach_photo(
                session,
                test_id=test_id,
                filename="x.png",
                content_type="image/png",
                data=b"",
                actor=actor,
            )
        assert photos_of(session, test_id) == []

    def test_an_unknown_test(self, session: Session, station: Station) -> None:
        with pytest.raises(NotFound, match="no work order test"):
            attach_photo(
                session,
                test_id="nope",
                filename="x.png",
                content_type="image/png",
                data=PNG,
                actor=GEORGE,
            )


class TestWhoAttaches:
    """The engineer doing the work attaches photos; the storekeeper does not."""

    def test_a_storekeeper_may_not(self, session: Session, actor: Actor, station: Station) -> None:
        test_id = strike_test(session, actor, station)
        with pytest.raises(Forbidden, match=r"logistics\.workorder\.work"):
            attach_photo(
                session,
                test_id=test_id,
                filename="x.png",
                content_type="image/png",
                data=PNG,
                actor=KEEPER,
            )
        photo = attach_photo(
            session,
            test_id=test_id,
            filename="x.png",
            content_type="image/png",
            data=PNG,
            actor=GEORGE,
        )
        assert [p.id for p in photos_of(session, test_id)] == [photo.id]
