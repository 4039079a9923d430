"""What an operator reads of holds: a medical hold's clinical reason stays with the medics.

Outside the medical roles (the policy's ``medical.clinical``) a medical hold reads "medical
hold, placed by NAME at TIME", and its lifting "medical hold, lifted by NAME at TIME"; the
reasons are clinical. Every reader of holds goes through here: the holds API, the console,
the CLI, and the airlock explanation, which is stored once for every reader and so never
carries the clinical reason.

``read_holds`` is the use case of listing holds, for the API and the CLI alike. This module
imports no pydantic and none of the rules that change holds (the screening rules of
lifting, the event service), so ``muster hold list`` starts without them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster.access.enums import HoldKind
from muster.access.models import Hold
from muster.people.lookup import find_person
from muster.policy.actor import Actor
from muster.policy.authorize import authorize, is_allowed

CLINICAL = "medical.clinical"
READ = "hold.read"


class HoldLike(Protocol):
    """What a hold view needs of a hold (a stored ``Hold`` or a decision's ``HoldFact``)."""

    @property
    def kind(self) -> str: ...

    @property
    def reason(self) -> str: ...

    @property
    def placed_by(self) -> str: ...

    @property
    def placed_at(self) -> datetime: ...


def sees_clinical(actor: Actor) -> bool:
    """True if the policy lets ``actor`` see clinical details (a medical hold's reason)."""
    return is_allowed(actor, CLINICAL)


def hold_time(at: datetime) -> str:
    """A hold's time as a post reads it (UTC, hours and minutes)."""
    return at.strftime("%H:%M")


def is_clinical(kind: str) -> bool:
    """True for a hold whose reasons are clinical (a medical hold)."""
    return kind == HoldKind.MEDICAL.value


def shown_reason(hold: HoldLike, *, clinical: bool) -> str:
    """The hold's reason, or "medical hold, placed by NAME at TIME" for a non-medical reader."""
    if clinical or not is_clinical(hold.kind):
        return hold.reason
    return f"medical hold, placed by {hold.placed_by} at {hold_time(hold.placed_at)}"


def hold_line(hold: HoldLike, *, clinical: bool) -> str:
    """The hold as a decision names it: "provisional hold placed by John at 14:02, suspected
    nanite influence"; a medical hold without its reason unless ``clinical``."""
    if clinical or not is_clinical(hold.kind):
        return (
            f"{hold.kind} hold placed by {hold.placed_by} at {hold_time(hold.placed_at)}, "
            f"{hold.reason}"
        )
    return shown_reason(hold, clinical=False)


@dataclass(frozen=True)
class HoldSeen:
    """A hold as one reader sees it (the API answers it as ``HoldRead``)."""

    id: str
    person_id: str
    kind: str
    reason: str
    placed_by: str
    placed_at: datetime
    lifted_at: datetime | None
    lifted_by: str
    lift_reason: str


def hold_view(hold: Hold, *, clinical: bool) -> HoldSeen:
    """A stored hold as a reader sees it."""
    seen = HoldSeen(
        id=hold.id,
        person_id=hold.person_id,
        kind=hold.kind,
        reason=hold.reason,
        placed_by=hold.placed_by,
        placed_at=hold.placed_at,
        lifted_at=hold.lifted_at,
        lifted_by=hold.lifted_by,
        lift_reason=hold.lift_reason,
    )
    if clinical or not is_clinical(hold.kind):
        return seen
    lifted = ""
    if hold.lifted_at is not None:
        lifted = f"medical hold, lifted by {hold.lifted_by} at {hold_time(hold.lifted_at)}"
    return replace(seen, reason=shown_reason(hold, clinical=False), lift_reason=lifted)


def holds_seen_by(actor: Actor, holds: Iterable[Hold]) -> list[HoldSeen]:
    """Holds as ``actor`` may read them."""
    clinical = sees_clinical(actor)
    return [hold_view(h, clinical=clinical) for h in holds]


def list_holds(
    session: Session,
    *,
    person_id: str | None = None,
    include_lifted: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Hold], int]:
    """Holds, newest first: open ones only unless ``include_lifted``."""
    query = select(Hold)
    if person_id:
        query = query.where(Hold.person_id == person_id)
    if not include_lifted:
        query = query.where(Hold.lifted_at.is_(None))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Hold.placed_at.desc()).limit(limit).offset(offset))
    return list(rows.all()), total


def read_holds(
    session: Session,
    *,
    actor: Actor,
    person: str | None = None,
    include_lifted: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[HoldSeen], int]:
    """Holds as ``actor`` may read them, newest first, and how many there are.

    Authorized (``hold.read``) before the person is looked up, so a refusal names no one.
    ``person`` is a person's id, badge id or exact name.
    """
    authorize(actor, READ)
    person_id = find_person(session, person).id if person else None
    rows, total = list_holds(
        session, person_id=person_id, include_lifted=include_lifted, limit=limit, offset=offset
    )
    return holds_seen_by(actor, rows), total
