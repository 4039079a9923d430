"""The airlock post view, sized for a tablet: mode, group requests, decisions, passages.

A guard picks the persons at the door (or scans badge ids), chooses a direction and asks;
each person's decision is shown in large type with its explanation, and a permitted
person's passage is recorded with one button. The passage's idempotency key is derived
from the decision, so a double tap or a retried form never records twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, Response

from muster.access.decisions import decide_request, get_decision, list_decisions
from muster.access.enums import Direction
from muster.access.facts import PortalFacts, load_portal
from muster.access.models import Decision, Presence
from muster.access.modes import set_portal_mode
from muster.access.passages import PassageOutcome, record_passage
from muster.door.health import doors_at
from muster.errors import DomainError, Forbidden, Invalid
from muster.events.service import last_seq
from muster.people.models import Person
from muster.people.service import get_person, list_parties
from muster.places.enums import PortalKind, PortalMode
from muster.places.service import get_portal, get_zone, list_portals, list_posts
from muster.web.console import logistics_pages, post_orders  # noqa: F401  (their live parts)
from muster.web.console.fragments import fill, fragment
from muster.web.console.passage_notice import PassageTally
from muster.web.console.post_request import MAX_PICK, ORDERS, portal_resource
from muster.web.console.rendering import redirect, render
from muster.web.console.vessel_pages import station_map
from muster.web.console.viewer import FormViewerDep, Viewer, ViewerDep, require
from muster.web.deps import SessionDep

router = APIRouter()
RECENT = 12


@dataclass(frozen=True)
class PortalOption:
    """A person who can be picked at the door, with where they stand and their group."""

    id: str
    name: str
    affiliation: str
    side: str
    badge: str
    group: str


def persons_at(session: Session, portal: PortalFacts) -> list[PortalOption]:
    """Persons whose last known place is on either side of the portal, inside first.

    Read only; the access domain has no "persons in a zone" service yet.
    """
    zones = {portal.inside_zone_id: "inside", portal.outside_zone_id: "outside"}
    parties = {p.id: p.name for p in list_parties(session, limit=200)[0]}
    rows = session.execute(
        select(
            Person.id,
            Person.name,
            Person.affiliation,
            Presence.zone_id,
            Person.badge_id,
            Person.party_id,
        )
        .join(Presence, Presence.person_id == Person.id)
        .where(Presence.zone_id.in_(list(zones)), Person.archived_at.is_(None))
        .order_by(Person.name)
        .limit(MAX_PICK)
    ).all()
    options = [
        PortalOption(
            r[0],
            r[1],
            str(r[2].value),
            zones[r[3]],
            r[4] or "",
            parties.get(r[5] or "", "") or f"{r[2].value}s".capitalize(),
        )
        for r in rows
    ]
    return sorted(options, key=lambda o: (o.side != "inside", o.name))


def pick_groups(options: list[PortalOption]) -> list[tuple[str, int]]:
    """The groups among the persons at the door (a party, residents, crew), with sizes."""
    sizes: dict[str, int] = {}
    for option in options:
        sizes[option.group] = sizes.get(option.group, 0) + 1
    return sorted(sizes.items())


@fragment("airlocks", action="registry.read")
def airlocks_part(session: Session, _viewer: Any, _params: Mapping[str, str]) -> dict[str, Any]:
    """Every airlock with its mode, its door controllers' health and its latest decisions."""
    portals, _ = list_portals(session, kind=PortalKind.AIRLOCK, limit=100)
    airlocks = [(p, list_decisions(session, portal_id=p.id, limit=5)) for p in portals]
    names: dict[str, str] = {}
    for _portal, rows in airlocks:
        names.update(names_of(session, rows))
    doors = {p.id: doors_at(p.id) for p in portals}
    return {"airlocks": airlocks, "airlock_names": names, "airlock_doors": doors}


def names_of(session: Session, rows: list[Decision]) -> dict[str, str]:
    """Each decision's person name by decision id (the reference asked, if unknown)."""
    return {
        r.id: get_person(session, r.person_id).name if r.person_id else r.person_ref for r in rows
    }


@fragment("post_recent", action="registry.read")
def post_recent_part(session: Session, _viewer: Any, params: Mapping[str, str]) -> dict[str, Any]:
    """The newest decisions at this portal."""
    portal = load_portal(session, params.get("portal", ""))
    rows = list_decisions(session, portal_id=portal.id, limit=RECENT)
    return {"recent": rows, "recent_names": names_of(session, rows)}


@router.get("/posts", response_class=HTMLResponse)
def airlock_list(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    """The airlocks, to open one's post view."""
    require(viewer, "registry.read")
    context = fill(session, viewer, ["airlocks"], {})
    context["live_after"] = last_seq(session)
    return render(request, "posts.html", viewer, context)


@router.get("/posts/{portal_ref}", response_class=HTMLResponse)
def post_view(
    portal_ref: str, request: Request, session: SessionDep, viewer: ViewerDep
) -> HTMLResponse:
    """One airlock post: mode, request form, the last request's decisions, recent decisions."""
    require(viewer, "registry.read")
    portal = load_portal(session, portal_ref)
    request_id = request.query_params.get("request", "")
    direction = request.query_params.get("direction", Direction.EXIT.value)
    order = request.query_params.get("order", "")
    post_ids = ",".join(p.id for p in list_posts(session, portal_id=portal.id, limit=20)[0])
    params = {
        "portal": portal.id,
        "request": request_id,
        "order": order if order in ORDERS else "",
        "posts": post_ids,
        "back": post_url(portal.id, request_id, direction, order),
    }
    parts = ["post_alerts", "post_request", "post_orders", "post_custody", "post_recent"]
    context = fill(session, viewer, parts, params)
    resource = portal_resource(portal)
    options = persons_at(session, portal)
    context.update(
        {
            "portal": portal,
            "inside": get_zone(session, portal.inside_zone_id).name,
            "outside": get_zone(session, portal.outside_zone_id).name,
            "mode_reason": get_portal(session, portal.id).mode_reason,
            "modes": list(PortalMode),
            "may_request": viewer.can("access.request", resource),
            "may_set_mode": viewer.can("portal.mode", resource),
            "options": options,
            "pick_groups": pick_groups(options),
            "direction": direction,
            "post_ids": post_ids,
            "back": params["back"],
            **station_map(session, viewer),
            "live_after": last_seq(session),
        }
    )
    return render(request, "post.html", viewer, context)


def post_url(portal_id: str, request_id: str = "", direction: str = "", order: str = "") -> str:
    """The post view with its open request (and the guard's choices) kept in the URL."""
    query = {"request": request_id, "direction": direction, "order": order}
    kept = urlencode({k: v for k, v in query.items() if v})
    return f"/posts/{portal_id}" + (f"?{kept}" if kept else "")


def _refs(persons: list[str], badges: str) -> list[str]:
    scanned = [line.strip() for line in badges.replace(",", "\n").splitlines()]
    return list(dict.fromkeys([*persons, *(s for s in scanned if s)]))


@router.post("/posts/{portal_ref}/requests", response_model=None)
def make_request(
    portal_ref: str,
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    direction: Annotated[str, Form()] = Direction.EXIT.value,
    person: Annotated[list[str] | None, Form()] = None,
    badges: Annotated[str, Form(max_length=20_000)] = "",
    order: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Ask the airlock about the picked and scanned persons; show each decision."""
    portal = load_portal(session, portal_ref)
    back = f"/posts/{portal.id}"
    try:
        chosen = Direction(direction)
        refs = _refs(person or [], badges)
        group = decide_request(
            session, portal_id=portal.id, person_refs=refs, direction=chosen, actor=viewer.actor
        )
    except Forbidden:
        raise  # refused by the use case: 403, as the API answers
    except (DomainError, ValueError) as exc:
        session.rollback()
        return redirect(request, back, _message(exc))
    return redirect(request, post_url(portal.id, group.request_id, chosen.value, order))


def _message(exc: Exception) -> str:
    text = exc.message if isinstance(exc, DomainError) else str(exc)
    return f"Refused: {text}"


@router.post("/posts/{portal_ref}/passages", response_model=None)
def record_at_post(
    portal_ref: str,
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    decision_id: Annotated[list[str], Form()],
    request_id: Annotated[str, Form(max_length=36)] = "",
    order: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Record that permitted persons went through (one, or every permitted one in one tap),
    each once, whatever the number of taps."""
    portal = load_portal(session, portal_ref)
    back = post_url(portal.id, request_id, "", order)
    if len(decision_id) > MAX_PICK or any(len(d) > 36 for d in decision_id):
        return redirect(request, back, "Refused: too many or malformed decisions; ask again")
    tally = PassageTally()
    for one in dict.fromkeys(decision_id):
        try:
            with session.begin_nested():
                tally.count(*_record_one(session, portal, one, viewer))
        except Forbidden:
            raise  # refused by the use case: 403, as the API answers
        except DomainError as exc:
            tally.refuse("", exc.message)
    return redirect(request, back, tally.notice(portal.name))


def _record_one(
    session: Session, portal: PortalFacts, decision_id: str, viewer: Viewer
) -> tuple[str, PassageOutcome]:
    """Record the passage a decision permitted; the person's name and the outcome."""
    decision = get_decision(session, decision_id)
    if decision.portal_id != portal.id or decision.person_id is None:
        raise Invalid("that decision was not made at this portal; ask the airlock again")
    outcome = record_passage(
        session,
        portal_id=portal.id,
        person_ref=decision.person_id,
        direction=Direction(decision.direction),
        idempotency_key=f"console-decision-{decision.id}",
        actor=viewer.actor,
    )
    return get_person(session, decision.person_id).name, outcome


@router.post("/posts/{portal_ref}/mode", response_model=None)
def change_mode(
    portal_ref: str,
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    mode: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Change how the airlock is run (a commander action), with the reason posts will read."""
    portal = load_portal(session, portal_ref)
    back = f"/posts/{portal.id}"
    try:
        new_mode = PortalMode(mode)
        set_portal_mode(
            session, portal_id=portal.id, mode=new_mode, reason=reason, actor=viewer.actor
        )
    except Forbidden:
        raise  # refused by the use case: 403, as the API answers
    except (DomainError, ValueError) as exc:
        session.rollback()
        return redirect(request, back, _message(exc))
    return redirect(request, back, f"{portal.name} is now in {new_mode.value} mode.")
