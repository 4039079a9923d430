"""Logistics: stock by location, requests and deliveries, work orders, and the custody
board of a post (what is signed out there), where the post signs for a delivery.

The post's board is also shown on the airlock post view (``post_custody``). Every POST is
authorized by its use case, as the API's is (``confirm_delivery``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, Response

from muster.errors import DomainError, Forbidden
from muster.events.service import last_seq
from muster.logistics import custody, deliveries, requests, stock, workorders
from muster.logistics.enums import DeliveryStatus, LocationKind
from muster.logistics.locations import Location, location_name
from muster.logistics.stock import LevelView
from muster.places.service import get_post, list_posts
from muster.web.console.forms import person_names, refused
from muster.web.console.fragments import fill, fragment
from muster.web.console.rendering import redirect, render
from muster.web.console.viewer import FormViewerDep, ViewerDep, require
from muster.web.deps import SessionDep

router = APIRouter()
LISTED = 300
OPEN_DELIVERY = (DeliveryStatus.PENDING, DeliveryStatus.PICKED)


def stock_by_location(levels: list[LevelView]) -> list[tuple[str, list[LevelView]]]:
    """Stock levels grouped by location name, locations in name order."""
    groups: dict[str, list[LevelView]] = defaultdict(list)
    for level in levels:
        groups[f"{level.location} ({level.location_kind.value})"].append(level)
    return sorted(groups.items())


def post_deliveries(session: Session, post_id: str) -> list[Any]:
    """Deliveries to a post that are not yet signed for."""
    where = Location(LocationKind.POST, post_id)
    rows: list[Any] = []
    for status in OPEN_DELIVERY:
        rows.extend(deliveries.list_deliveries(session, dest=where, status=status, limit=100))
    return rows


@fragment("post_custody", action="logistics.read")
def post_custody_part(session: Session, viewer: Any, params: Mapping[str, str]) -> dict[str, Any]:
    """What is out at the posts named in ``posts`` (comma separated), and what is coming."""
    boards = []
    for post_id in [p for p in params.get("posts", "").split(",") if p]:
        post = get_post(session, post_id)
        boards.append(
            {
                "post": post,
                "held": custody.custody_board(session, post.id),
                "coming": post_deliveries(session, post.id),
            }
        )
    return {
        "custody_boards": boards,
        "may_confirm": viewer.can("logistics.delivery.confirm"),
        "back_to": params.get("back", "/logistics"),
    }


@fragment("stock_levels", action="logistics.read")
def stock_part(session: Session, _viewer: Any, _params: Mapping[str, str]) -> dict[str, Any]:
    """Stock by location, with items below their reorder level."""
    levels, total = stock.list_levels(session, limit=LISTED)
    return {
        "stock_groups": stock_by_location(levels),
        "stock_total": total,
        "reorder": stock.items_below_reorder(session),
    }


@fragment("supply", action="logistics.read")
def supply_part(session: Session, viewer: Any, _params: Mapping[str, str]) -> dict[str, Any]:
    """Requests (most urgent first) with their deliveries, and work orders."""
    rows, _total = requests.list_requests(session, flt=requests.RequestFilter(), limit=100)
    supply = []
    for row in rows:
        dests = requests.request_deliveries(session, row.id)
        names = {d.id: location_name(session, Location(d.dest_kind, d.dest_id)) for d in dests}
        supply.append(
            {
                "request": row,
                "priority": requests.effective_priority(session, row),
                "deliveries": dests,
                "dest_names": names,
            }
        )
    orders, _ = workorders.list_work_orders(session, flt=workorders.WorkOrderFilter(), limit=100)
    return {
        "supply": supply,
        "work_orders": orders,
        "assignees": person_names(session, [w.assignee_person_id for w in orders]),
    }


@router.get("/logistics", response_class=HTMLResponse)
def logistics_page(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    """Stock by location, requests and deliveries, work orders, and the posts' boards."""
    require(viewer, "logistics.read")
    context = fill(session, viewer, ["stock_levels", "supply"], {})
    posts, _ = list_posts(session, limit=200)
    context.update({"posts": posts, "live_after": last_seq(session)})
    return render(request, "logistics.html", viewer, context)


@router.get("/logistics/posts/{post_id}", response_class=HTMLResponse)
def custody_page(
    post_id: str, request: Request, session: SessionDep, viewer: ViewerDep
) -> HTMLResponse:
    """One post's custody board: what is signed out there, and deliveries to sign for."""
    require(viewer, "logistics.read")
    post = get_post(session, post_id)
    params = {"posts": post.id, "back": f"/logistics/posts/{post.id}"}
    context = fill(session, viewer, ["post_custody"], params)
    context.update({"post": post, "live_after": last_seq(session)})
    return render(request, "custody.html", viewer, context)


@router.post("/logistics/deliveries/{delivery_id}/confirm", response_model=None)
def confirm(
    delivery_id: str,
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    back: Annotated[str, Form(max_length=300)] = "/logistics",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """The receiving post signs for a delivery (the signed-in operator signs)."""
    try:
        row = deliveries.confirm_delivery(
            session, delivery_id=delivery_id, note=note, actor=viewer.actor
        )
    except Forbidden:
        raise  # a refused operator gets the 403 page, as before any other check
    except DomainError as exc:
        return refused(request, session, back, exc)
    where = location_name(session, Location(row.dest_kind, row.dest_id))
    return redirect(request, back, f"Delivery signed for at {where}.")
