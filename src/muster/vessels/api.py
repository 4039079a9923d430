"""Vessel watch over HTTP under ``/api/v1/vessels``; includes the asset board and the map."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from muster.errors import Invalid
from muster.policy.authorize import authorize
from muster.schemas import Page, StrictModel
from muster.vessels import service
from muster.vessels.api_assets import router as assets_router
from muster.vessels.api_map import router as map_router
from muster.vessels.plot import render_tracks_svg
from muster.vessels.schemas import (
    ObservationCreate,
    ObservationRead,
    PredictionRead,
    VesselCreate,
    VesselRead,
    VesselUpdate,
)
from muster.web.deps import CurrentActor, PageDep, SessionDep

router = APIRouter(prefix="/api/v1")
vessels = APIRouter(prefix="/vessels", tags=["vessels"])
SVG = "image/svg+xml"


class BaselineSet(StrictModel):
    """Take an observation (the latest when left out) as the orbit to hold from now on."""

    observation_id: str | None = None
    reason: str


@vessels.get("")
def read_vessels(session: SessionDep, actor: CurrentActor, page: PageDep) -> Page[VesselRead]:
    """Vessels under watch."""
    authorize(actor, "vessel.read")
    rows, total = service.list_vessels(session, limit=page.limit, offset=page.offset)
    items = [VesselRead.model_validate(r) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@vessels.post("", status_code=status.HTTP_201_CREATED)
def create_vessel(body: VesselCreate, session: SessionDep, actor: CurrentActor) -> VesselRead:
    """Put a vessel under watch."""
    return VesselRead.model_validate(service.register_vessel(session, data=body, actor=actor))


@vessels.get("/{vessel_id}")
def read_vessel(vessel_id: str, session: SessionDep, actor: CurrentActor) -> VesselRead:
    """One vessel."""
    authorize(actor, "vessel.read")
    return VesselRead.model_validate(service.get_vessel(session, vessel_id))


@vessels.patch("/{vessel_id}")
def update_vessel(
    vessel_id: str, body: VesselUpdate, session: SessionDep, actor: CurrentActor
) -> VesselRead:
    """Change a vessel's thresholds, sensor accuracy, party, agreement term or notes."""
    vessel = service.update_vessel(session, vessel_id=vessel_id, data=body, actor=actor)
    return VesselRead.model_validate(vessel)


@vessels.get("/{vessel_id}/observations")
def read_observations(
    vessel_id: str, session: SessionDep, actor: CurrentActor, page: PageDep
) -> Page[ObservationRead]:
    """A vessel's observations, in the order recorded, with how each compared."""
    authorize(actor, "vessel.read")
    service.get_vessel(session, vessel_id)
    rows, total = service.list_observations(
        session, vessel_id=vessel_id, limit=page.limit, offset=page.offset
    )
    items = [ObservationRead.model_validate(r) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@vessels.post("/{vessel_id}/observations", status_code=status.HTTP_201_CREATED)
def create_observation(
    vessel_id: str, body: ObservationCreate, session: SessionDep, actor: CurrentActor
) -> ObservationRead:
    """Record an observation from a sensor or an operator; a departure raises the alarm."""
    row = service.record_observation(session, vessel_id=vessel_id, data=body, actor=actor)
    return ObservationRead.model_validate(row)


@vessels.get("/{vessel_id}/prediction")
def read_prediction(
    vessel_id: str,
    session: SessionDep,
    actor: CurrentActor,
    at: Annotated[datetime, Query(description="When, ISO 8601 with a zone")],
) -> PredictionRead:
    """Where the watch expects the vessel at a moment, from its reference observation."""
    authorize(actor, "vessel.read")
    if at.tzinfo is None:
        raise Invalid("give the time with a zone, e.g. 2031-05-14T06:00:00Z")
    reference, state = service.predict(session, vessel_id=vessel_id, at=at)
    return PredictionRead(
        vessel_id=vessel_id,
        at=state.at,
        position_km=[float(x) for x in state.r],
        velocity_km_s=[float(x) for x in state.v],
        from_observation_id=reference.id,
    )


@vessels.post("/{vessel_id}/baseline")
def set_baseline(
    vessel_id: str, body: BaselineSet, session: SessionDep, actor: CurrentActor
) -> VesselRead:
    """Set the orbit the vessel must hold after a departure was reviewed."""
    vessel = service.set_baseline(
        session,
        vessel_id=vessel_id,
        observation_id=body.observation_id,
        reason=body.reason,
        actor=actor,
    )
    return VesselRead.model_validate(vessel)


@vessels.get("/{vessel_id}/tracks.svg", response_class=Response)
def read_tracks_svg(vessel_id: str, session: SessionDep, actor: CurrentActor) -> Response:
    """Predicted and observed tracks as SVG, for the vessel page."""
    authorize(actor, "vessel.read")
    svg = render_tracks_svg(session, vessel_id=vessel_id)
    return Response(svg, media_type=SVG, headers={"Cache-Control": "no-store"})


router.include_router(vessels)
router.include_router(assets_router)
router.include_router(map_router)
