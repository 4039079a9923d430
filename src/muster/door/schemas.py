"""The shapes a door controller sends the server: the decisions it made, as it journalled them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field

from muster.access.enums import Direction
from muster.access.schemas import PassageIn
from muster.schemas import StrictModel

Id = Annotated[str, Field(min_length=1, max_length=36)]
Text = Annotated[str, Field(max_length=4000)]


class DoorDecisionIn(StrictModel):
    """One person's decision at the door."""

    decision_id: Id
    person_ref: Annotated[str, Field(min_length=1, max_length=200)]
    person_id: Id | None = None
    allowed: bool
    rule_ids: list[Annotated[str, Field(max_length=200)]] = Field(max_length=100)
    explanation: Text
    cedar_input: dict[str, Any] = Field(default_factory=dict)


class DoorRequestIn(StrictModel):
    """A request decided at a door: its Idempotency-Key is its ``request_id``."""

    request_id: Id
    direction: Direction
    policy_version: Annotated[str, Field(min_length=1, max_length=36)]
    decided_at: AwareDatetime
    stale: Text = ""  # why the door failed secure (its replica was not fresh), if it did
    # How far the door's replica had applied the server's row versions when it decided;
    # None (an older journal) has every permit re-checked centrally.
    replica_rows: Annotated[int, Field(ge=0, le=2**62)] | None = None
    decisions: list[DoorDecisionIn] = Field(min_length=1, max_length=500)


class DoorAlertIn(StrictModel):
    """Something the post at a door's portal must hear of, raised at the door: a passage
    the door refused (``passage.refused``) or a journal entry the server refused for good
    (``door.upload_refused``). Its Idempotency-Key is the alert's journal key."""

    about: Literal["passage.refused", "door.upload_refused"]
    text: Annotated[str, Field(min_length=1, max_length=4000)]
    person_id: Id | None = None
    decision_id: Id | None = None
    entry_key: Annotated[str, Field(max_length=200)] = ""  # the refused entry's key


Key = Annotated[str, Field(min_length=1, max_length=200)]
# Entries in one batch: about the uploader's own batch, well under the body limit.
BATCH_MAX = 200


class RequestEntryIn(StrictModel):
    """A journalled request in a batch; its key is its ``request_id``."""

    kind: Literal["request"]
    key: Key
    portal_id: Id
    body: DoorRequestIn


class PassageEntryIn(StrictModel):
    """A journalled passage in a batch, with its Idempotency-Key."""

    kind: Literal["passage"]
    key: Key
    portal_id: Id
    body: PassageIn


class AlertEntryIn(StrictModel):
    """A journalled alert for the post in a batch, with its journal key."""

    kind: Literal["alert"]
    key: Key
    portal_id: Id
    body: DoorAlertIn


DoorEntryIn = Annotated[RequestEntryIn | PassageEntryIn | AlertEntryIn, Field(discriminator="kind")]


class DoorBatchIn(StrictModel):
    """Journal entries in the order the door wrote them (docs/doors.md, "Batches")."""

    entries: list[DoorEntryIn] = Field(min_length=1, max_length=BATCH_MAX)
