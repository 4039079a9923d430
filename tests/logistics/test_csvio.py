"""Stock CSV: export and import round trip; a bad row refuses the whole file, saying which."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.errors import Invalid
from muster.logistics.csvio import export_stock_csv, import_stock_csv
from muster.logistics.enums import ItemKind
from muster.logistics.models import Item
from muster.logistics.stock import item_total, receive_stock
from muster.policy.actor import Actor

from .conftest import Station, make_item

HEADER = "item,kind,unit,tracked,reorder_level,location_kind,location,quantity,serial\n"


def stocked(session: Session, actor: Actor, station: Station) -> None:
    """Sheets in two places, two rifles in the armory, and an item with no stock."""
    sheets = make_item(session, actor, "Aluminium sheet", unit="sheet", reorder_level="5")
    rifle = make_item(session, actor, "Rifle", ItemKind.WEAPON, tracked=True)
    make_item(session, actor, "Spare seal", ItemKind.EQUIPMENT)
    for where, qty in ((station.workshop, "12.5"), (station.armory, "3")):
        receive_stock(
            session,
            item_id=sheets.id,
            location=station.at(where),
            quantity=Decimal(qty),
            actor=actor,
        )
    receive_stock(
        session,
        item_id=rifle.id,
        location=station.at(station.armory),
        serials=["R-1", "R-2"],
        actor=actor,
    )


class TestRoundTrip:
    """What is exported imports back to the same stock."""

    def test_export_then_import_changes_nothing(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """Importing the export reports every row unchanged; a second export is identical."""
        stocked(session, actor, station)
        text = export_stock_csv(session)
        assert "Aluminium sheet,material,sheet,false,5,zone,Engineering workshop,12.5," in text
        report = import_stock_csv(session, text=text, actor=actor)
        assert (report.counts_set, report.units_added, report.unchanged) == (0, 0, 4)
        assert export_stock_csv(session) == text

    def test_import_creates_items_and_sets_counts(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """A new item is created and counted; a tracked row adds its unit."""
        text = (
            HEADER
            + "Ration pack,consumable,each,false,0,zone,Armory,40,\n"
            + "Pistol,weapon,each,true,0,zone,Armory,1,P-1\n"
        )
        report = import_stock_csv(session, text=text, actor=actor)
        assert report.items_created == ["Ration pack", "Pistol"]
        rations = session.scalar(select(Item).where(Item.name == "Ration pack"))
        assert rations is not None
        assert item_total(session, rations.id) == 40


class TestBadRows:
    """Each bad row is named; nothing of the file is written."""

    def test_every_bad_row_is_reported_and_nothing_written(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """Three bad rows among good ones: three errors, no item created."""
        text = (
            HEADER
            + "Ration pack,consumable,each,false,0,zone,Armory,40,\n"
            + "Water,consumable,l,false,0,zone,Nowhere,5,\n"
            + "Gel,material,l,false,0,zone,Armory,abc,\n"
            + "Knife,weapon,each,true,0,zone,Armory,1,\n"
        )
        with pytest.raises(Invalid) as caught:
            import_stock_csv(session, text=text, actor=actor)
        errors = caught.value.details["errors"]
        assert [e.split(":")[0] for e in errors] == ["row 3", "row 4", "row 5"]
        assert "Nowhere" in errors[0]
        assert "not a number" in errors[1]
        assert "serial" in errors[2]
        assert session.scalar(select(Item.id)) is None

    def test_missing_columns_refused(self, session: Session, actor: Actor) -> None:
        """A file without the location columns is refused as a whole."""
        with pytest.raises(Invalid, match="lacks the columns"):
            import_stock_csv(session, text="item,quantity\nGel,1\n", actor=actor)

    def test_conflict_while_applying_rolls_back_earlier_rows(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """A unit recorded elsewhere fails the import after earlier rows; none of them stay."""
        stocked(session, actor, station)
        text = (
            HEADER
            + "Ration pack,consumable,each,false,0,zone,Armory,40,\n"
            + "Rifle,weapon,each,true,0,zone,Engineering workshop,1,R-1\n"
        )
        with pytest.raises(Invalid, match="row 3"):
            import_stock_csv(session, text=text, actor=actor)
        assert session.scalar(select(Item).where(Item.name == "Ration pack")) is None
