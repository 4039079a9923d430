"""A door's journal uploaded in batches: one request, one commit, each entry on its own.

Each entry goes through the use case its single upload goes through (``record_door_request``,
``record_passage``, ``record_door_alert``), which authorizes it, keys it by its
Idempotency-Key and records it at most once; this module only runs them in order, each in
a savepoint of its own, so an entry refused rolls back alone and the others stand. The
whole batch is committed once, by the caller's transaction.

Entries are taken in the door's order (a passage after the permit it spends) and stop at
the first answer the door would retry (anything but a success, a 409 or a 422: a portal
outside the token's binding, a portal unknown): the entries after it are not attempted,
and the door sends them again with it later. A refusal for good (409, 422) is kept as the
entry's outcome and the batch goes on, as the door goes on after such an entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from muster.access.passages import record_passage
from muster.door.schemas import AlertEntryIn, DoorEntryIn, RequestEntryIn
from muster.door.uploads import record_door_alert, record_door_request
from muster.errors import DomainError
from muster.policy.actor import Actor

# Answers retrying cannot change: the door keeps the entry with the reason and goes on.
FINAL_REFUSALS = frozenset({409, 422})


@dataclass(frozen=True)
class EntryOutcome:
    """What the server made of one entry: the status its single upload would answer."""

    key: str
    status: int
    detail: str = ""

    @property
    def settled(self) -> bool:
        """True when the door may mark the entry (taken, found again, or refused for good)."""
        return self.status < 300 or self.status in FINAL_REFUSALS

    def as_dict(self) -> dict[str, Any]:
        """The wire form."""
        out: dict[str, Any] = {"key": self.key, "status": self.status}
        if self.detail:
            out["detail"] = self.detail
        return out


def _record(session: Session, entry: DoorEntryIn, actor: Actor) -> EntryOutcome:
    if isinstance(entry, RequestEntryIn):
        upload = record_door_request(
            session,
            portal_id=entry.portal_id,
            upload=entry.body,
            idempotency_key=entry.key,
            actor=actor,
        )
        return EntryOutcome(entry.key, 201 if upload.created else 200)
    if isinstance(entry, AlertEntryIn):
        seq = record_door_alert(
            session,
            portal_id=entry.portal_id,
            alert=entry.body,
            idempotency_key=entry.key,
            actor=actor,
        )
        return EntryOutcome(entry.key, 200 if seq is None else 201)
    outcome = record_passage(
        session,
        portal_id=entry.portal_id,
        person_ref=entry.body.person,
        direction=entry.body.direction,
        idempotency_key=entry.key,
        actor=actor,
    )
    if outcome.passage is None:  # refused: the refusal and the post's alert are kept
        return EntryOutcome(entry.key, 409, outcome.refusal)
    return EntryOutcome(entry.key, 201 if outcome.created else 200)


def record_door_batch(
    session: Session, *, entries: list[DoorEntryIn], actor: Actor
) -> list[EntryOutcome]:
    """Record a door's journal entries in order, each as its single upload would; the
    outcome of each entry attempted (the last one is the first the door must retry)."""
    outcomes: list[EntryOutcome] = []
    for entry in entries:
        try:
            with session.begin_nested():
                outcome = _record(session, entry, actor)
        except DomainError as exc:
            outcome = EntryOutcome(entry.key, exc.status, exc.message)
        outcomes.append(outcome)
        if not outcome.settled:
            break
    return outcomes
