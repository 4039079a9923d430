"""An exercise's airlocks behind door controllers (``muster demo --headless --doors``).

Each airlock an inject asks gets a ``DoorController`` of its own (its replica and journal
in a scratch folder). Before the door decides, its replica is fed from the central record
with the door feed (``read_feed``, the answer the HTTP route would give), so it is fresh
as of the inject's moment; the door then decides with the server's decision function and
journals, and its journal is uploaded in the inject's transaction through the services the
upload routes call (``record_door_request``, ``record_passage``, ``record_door_alert``),
as the inject's actor, the one who asked the door. The exercise's expectations then judge
a central record that the doors wrote.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.encoders import jsonable_encoder
from sqlalchemy.orm import Session

from muster.access.api import portal_resource
from muster.access.enums import Direction
from muster.access.facts import PortalFacts, load_portal
from muster.access.passages import PassageOutcome, record_passage
from muster.db import Database
from muster.door.controller import DoorConfig, DoorController
from muster.door.feed import read_feed
from muster.door.journal import ALERT, REQUEST, Entry
from muster.door.schemas import DoorAlertIn, DoorRequestIn
from muster.door.uploads import record_door_alert, record_door_request
from muster.errors import Conflict
from muster.policy.actor import Actor
from muster.policy.authorize import authorize

FEED_ACTOR = Actor.system("door-feed")
SYNC_TRIES = 5


class DoorBank:
    """A door controller per airlock of an exercise, fed from and uploading to ``db``."""

    def __init__(self, db: Database, folder: Path) -> None:
        self.db = db
        self.folder = folder
        self.doors: dict[str, DoorController] = {}

    def serves(self, portal: PortalFacts) -> bool:
        """True for the portals put behind doors: the airlocks."""
        return portal.kind == "airlock"

    def _door(self, portal_id: str) -> DoorController:
        door = self.doors.get(portal_id)
        if door is None:
            config = DoorConfig(portals=(portal_id,), data_dir=self.folder / portal_id)
            door = self.doors[portal_id] = DoorController(config)
        return door

    def _sync(self, door: DoorController) -> None:
        """Feed the replica up to the record's head as committed now. A complete answer
        vouches for the head as of when it was asked, so a long first read is followed by
        a short one (a few tries: the door must be fresh by its own contract)."""
        for _ in range(SYNC_TRIES):
            self._read_to_head(door)
            if not door.freshness.stale_reason():
                return

    def _read_to_head(self, door: DoorController) -> None:
        while True:
            asked_at = door.freshness.now()
            cursors = door.replica.cursors()
            with self.db.session_scope(write=False) as s:
                feed = read_feed(
                    s, after_seq=cursors.event_seq, after_n=cursors.row_n, actor=FEED_ACTOR
                ).as_dict()
            after = door.replica.apply(jsonable_encoder(feed))
            door.freshness.applied(after.applied_seq, after.row_n)
            if feed["complete"]:
                door.freshness.heard_head(int(feed["head"]), rows=after.row_n, at=asked_at)
                return

    def request(
        self, session: Session, actor: Actor, portal: PortalFacts, names: list[str], d: Direction
    ) -> str:
        """Ask the airlock's door for the group; its decisions uploaded; the guard's line."""
        authorize(actor, "access.request", portal_resource(portal))
        door = self._door(portal.id)
        self._sync(door)
        answer = door.decide(portal_id=portal.id, person_refs=names, direction=d)
        self._upload(session, actor, door)
        return f"{portal.name}, {d.value}: {answer['instruction']} (decided at the door)"

    def passage(
        self, session: Session, actor: Actor, portal_id: str, person_id: str, d: Direction, key: str
    ) -> PassageOutcome | str:
        """Report a passage at the door, then upload it; the server's outcome, or the door's
        refusal (its alert uploaded for the post)."""
        portal = load_portal(session, portal_id)
        authorize(actor, "passage.record", portal_resource(portal))
        door = self._door(portal.id)
        self._sync(door)
        try:
            door.record_passage(
                portal_id=portal.id, person_ref=person_id, direction=d, idempotency_key=key
            )
        except Conflict as exc:
            self._upload(session, actor, door)
            return exc.message
        return self._upload(session, actor, door).get(key) or PassageOutcome(None)

    def _upload(self, session: Session, actor: Actor, door: DoorController) -> dict[str, Any]:
        """The journal's pending entries through the upload services, in order."""
        outcomes: dict[str, Any] = {}
        for entry in door.journal.pending():
            outcomes[entry.key] = self._send(session, actor, entry)
            door.journal.mark_uploaded(entry.key, "exercise")
        return outcomes

    def _send(self, session: Session, actor: Actor, entry: Entry) -> Any:
        if entry.kind == REQUEST:
            body = DoorRequestIn.model_validate(entry.body)
            return record_door_request(
                session,
                portal_id=entry.portal_id,
                upload=body,
                idempotency_key=entry.key,
                actor=actor,
            )
        if entry.kind == ALERT:
            alert = DoorAlertIn.model_validate(entry.body)
            return record_door_alert(
                session,
                portal_id=entry.portal_id,
                alert=alert,
                idempotency_key=entry.key,
                actor=actor,
            )
        return record_passage(
            session,
            portal_id=entry.portal_id,
            person_ref=str(entry.body["person"]),
            direction=Direction(entry.body["direction"]),
            idempotency_key=entry.key,
            actor=actor,
        )
