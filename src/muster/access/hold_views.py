"""What an operator reads of a hold: a medical hold's clinical reason stays with the medics.

Outside the medical roles (the policy's ``medical.clinical``) a medical hold reads "medical
hold, placed by NAME at TIME", and its lifting "medical hold, lifted by NAME at TIME"; the
reasons are clinical. Every reader of holds goes through here: the holds API, the console,
the CLI, and the airlock explanation, which is stored once for every reader and so never
carries the clinical reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from muster.access.enums import HoldKind
from muster.access.models import Hold
from muster.access.schemas import HoldRead
from muster.policy.actor import Actor
from muster.policy.authorize import is_allowed

CLINICAL = "medical.clinical"


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


def hold_view(hold: Hold, *, clinical: bool) -> HoldRead:
    """A stored hold as a reader sees it."""
    read = HoldRead.model_validate(hold)
    if clinical or not is_clinical(hold.kind):
        return read
    lifted = ""
    if hold.lifted_at is not None:
        lifted = f"medical hold, lifted by {hold.lifted_by} at {hold_time(hold.lifted_at)}"
    return read.model_copy(
        update={"reason": shown_reason(hold, clinical=False), "lift_reason": lifted}
    )


def holds_seen_by(actor: Actor, holds: Iterable[Hold]) -> list[HoldRead]:
    """Holds as ``actor`` may read them."""
    clinical = sees_clinical(actor)
    return [hold_view(h, clinical=clinical) for h in holds]
