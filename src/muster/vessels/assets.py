"""The defence and station asset board: what each asset can do now, every change logged."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster import clock
from muster.errors import Invalid, NotFound
from muster.events.models import Event
from muster.events.service import EventFilter, append_event, list_events
from muster.people.service import apply_changes, save_unique
from muster.policy.actor import Actor
from muster.policy.authorize import authorize
from muster.vessels.enums import Readiness
from muster.vessels.models import Asset
from muster.vessels.schemas import AssetCreate, AssetUpdate

ASSET_EVENTS = "vessels.asset."


def get_asset(session: Session, asset_id: str) -> Asset:
    """The asset with this id, or NotFound."""
    asset = session.get(Asset, asset_id)
    if asset is None:
        raise NotFound(f"no asset with id {asset_id!r}; list assets to find it")
    return asset


def find_asset(session: Session, ref: str) -> Asset:
    """An asset by id or exact name."""
    asset = session.get(Asset, ref) or session.scalar(select(Asset).where(Asset.name == ref))
    if asset is None:
        raise NotFound(f"no asset named {ref!r}; add it with: muster asset add")
    return asset


def _check_consistent(operational: bool, readiness: str) -> None:
    if operational and readiness == Readiness.UNAVAILABLE.value:
        raise Invalid("an operational asset cannot be unavailable; set its readiness too")
    if not operational and readiness == Readiness.READY.value:
        raise Invalid("an asset that is not operational cannot be ready; set operational too")


def create_asset(session: Session, *, data: AssetCreate, actor: Actor) -> Asset:
    """Put an asset on the board."""
    authorize(actor, "asset.manage")
    _check_consistent(data.operational, data.readiness.value)
    at = clock.now()
    asset = Asset(**data.model_dump(), created_at=at, updated_at=at)
    asset.readiness = data.readiness.value
    save_unique(session, asset, clash=f"an asset named {data.name!r} is already on the board")
    append_event(
        session,
        kind="vessels.asset.created",
        actor=actor,
        subjects=[asset.id],
        payload={
            "name": asset.name,
            "kind": asset.kind,
            "operational": asset.operational,
            "readiness": asset.readiness,
            "owner": asset.owner,
        },
    )
    return asset


def update_asset(session: Session, *, asset_id: str, data: AssetUpdate, actor: Actor) -> Asset:
    """Change an asset's status, readiness, owner or notes; the change and its reason are logged."""
    authorize(actor, "asset.manage")
    asset = find_asset(session, asset_id)  # id or name
    values = data.model_dump(exclude_unset=True, exclude={"reason"})
    if "readiness" in values and values["readiness"] is not None:
        values["readiness"] = Readiness(values["readiness"]).value
    values = {k: v for k, v in values.items() if v is not None}
    _check_consistent(
        values.get("operational", asset.operational), values.get("readiness", asset.readiness)
    )
    changes = apply_changes(asset, values)
    if changes:
        asset.updated_at = clock.now()
        session.flush()
        append_event(
            session,
            kind="vessels.asset.updated",
            actor=actor,
            subjects=[asset.id],
            payload={"name": asset.name, "changes": changes, "reason": data.reason},
        )
    return asset


def list_assets(session: Session, *, limit: int = 50, offset: int = 0) -> tuple[list[Asset], int]:
    """Assets by name."""
    total = session.scalar(select(func.count()).select_from(Asset)) or 0
    rows = session.scalars(select(Asset).order_by(Asset.name).limit(limit).offset(offset))
    return list(rows.all()), total


def asset_history(
    session: Session, *, asset_id: str, limit: int = 100, offset: int = 0
) -> tuple[list[Event], int]:
    """The logged changes of one asset, oldest first."""
    get_asset(session, asset_id)
    return list_events(
        session,
        flt=EventFilter(kind=ASSET_EVENTS, subject=asset_id),
        limit=limit,
        offset=offset,
    )
