"""The record's proofs over HTTP: signed checkpoints, inclusion and consistency proofs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from muster.errors import NotFound
from muster.events import checkpoints
from muster.events.models import Event
from muster.events.visibility import hidden_kinds, is_visible
from muster.policy.authorize import authorize
from muster.web.deps import CurrentActor, SessionDep

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])

Size = Annotated[int, Query(ge=1, le=2**62, description="Events in a signed checkpoint")]


@router.get("/checkpoints/latest")
def read_latest_checkpoint(session: SessionDep, actor: CurrentActor) -> dict[str, Any]:
    """The newest signed checkpoint: keep a copy outside the station's database."""
    authorize(actor, "event.read")
    found = checkpoints.latest_checkpoint(session)
    if found is None:
        raise NotFound("no checkpoint has been signed yet")
    return found.to_dict()


@router.get("/proofs/inclusion/{seq}")
def read_inclusion_proof(
    seq: Annotated[int, Path(ge=1, le=2**62)],
    session: SessionDep,
    actor: CurrentActor,
    size: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> dict[str, Any]:
    """Proof that event ``seq`` is in the log signed by the newest checkpoint (or one of ``size``).

    Check it offline with ``muster audit check FILE --public-key station.pub``.
    """
    authorize(actor, "event.read")
    row = session.get(Event, seq)
    if row is None or not is_visible(row.kind, hidden_kinds(actor)):
        raise NotFound(f"there is no event {seq}")
    signed = checkpoints.checkpoint_of_size(session, size) if size else None
    return checkpoints.inclusion_proof(session, seq=seq, checkpoint=signed)


@router.get("/proofs/consistency")
def read_consistency_proof(
    first: Size, second: Size, session: SessionDep, actor: CurrentActor
) -> dict[str, Any]:
    """Proof that the checkpoint of ``second`` events extends the one of ``first``."""
    authorize(actor, "event.read")
    return checkpoints.consistency_proof(session, first=first, second=second)
