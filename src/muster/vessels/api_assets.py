"""The defence and station asset board over HTTP under ``/api/v1/assets`` (command roles)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from muster.events.service import event_to_dict
from muster.policy.authorize import authorize
from muster.schemas import Page
from muster.vessels import assets
from muster.vessels.schemas import AssetCreate, AssetRead, AssetUpdate
from muster.web.deps import CurrentActor, PageDep, SessionDep

router = APIRouter(prefix="/assets", tags=["assets"])


@router.get("")
def read_assets(session: SessionDep, actor: CurrentActor, page: PageDep) -> Page[AssetRead]:
    """The asset board."""
    authorize(actor, "asset.read")
    rows, total = assets.list_assets(session, limit=page.limit, offset=page.offset)
    items = [AssetRead.model_validate(r) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_asset(body: AssetCreate, session: SessionDep, actor: CurrentActor) -> AssetRead:
    """Put an asset on the board."""
    return AssetRead.model_validate(assets.create_asset(session, data=body, actor=actor))


@router.get("/{asset_id}")
def read_asset(asset_id: str, session: SessionDep, actor: CurrentActor) -> AssetRead:
    """One asset."""
    authorize(actor, "asset.read")
    return AssetRead.model_validate(assets.get_asset(session, asset_id))


@router.patch("/{asset_id}")
def update_asset(
    asset_id: str, body: AssetUpdate, session: SessionDep, actor: CurrentActor
) -> AssetRead:
    """Change an asset's status, readiness, owner or notes, with a reason for the log."""
    row = assets.update_asset(session, asset_id=asset_id, data=body, actor=actor)
    return AssetRead.model_validate(row)


@router.get("/{asset_id}/history")
def read_asset_history(
    asset_id: str, session: SessionDep, actor: CurrentActor, page: PageDep
) -> Page[dict[str, Any]]:
    """The logged changes of one asset, oldest first."""
    authorize(actor, "asset.read")
    rows, total = assets.asset_history(
        session, asset_id=asset_id, limit=page.limit, offset=page.offset
    )
    items = [event_to_dict(r) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)
