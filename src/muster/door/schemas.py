"""The shapes a door controller sends the server: the decisions it made, as it journalled them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field

from muster.access.enums import Direction
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
