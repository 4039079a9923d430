"""The hospital board: wards, beds and patients, searched and filtered; admit, transfer,
discharge and bed state from the board.

Every operator sees the counts and each bed's state (``medical.counts``); who lies where,
and how, only the roles that see clinical details. Each form only translates: the hospital
use cases (``muster.medical.hospital``) authorize ``hospital.manage`` and refuse what the
board cannot do (an occupied bed closed, a patient admitted twice).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, Response

from muster.errors import DomainError, Forbidden
from muster.events.service import last_seq
from muster.medical import hospital
from muster.medical.enums import BedState, Condition
from muster.medical.views import bed_list, hospital_board
from muster.web.console.forms import persons_for_pick, refused
from muster.web.console.fragments import fill, fragment
from muster.web.console.rendering import redirect, render
from muster.web.console.viewer import FormViewerDep, ViewerDep, require
from muster.web.deps import SessionDep

router = APIRouter()
BOARD = "/medical/hospital"
FILTERS = ("q", "ward", "state")
SETTABLE = [BedState.AVAILABLE, BedState.CLEANING, BedState.CLOSED]
Text = Annotated[str, Form(max_length=4000)]
Ref = Annotated[str, Form(max_length=40)]


def board_filters(params: Mapping[str, str]) -> dict[str, str]:
    """The board's search and filters from a query or a form (unknown states dropped)."""
    found = {k: str(params.get(k, "")).strip()[:200] for k in FILTERS}
    if found["state"] not in {s.value for s in BedState}:
        found["state"] = ""
    return {k: v for k, v in found.items() if v}


def board_address(filters: Mapping[str, str]) -> str:
    """The board's address with the same search and filters."""
    return f"{BOARD}?{urlencode(filters)}" if filters else BOARD


def _matches(query: str, *values: object) -> bool:
    words = query.casefold().split()
    text = " ".join(str(v) for v in values if v).casefold()
    return all(w in text for w in words)


@fragment("hospital", action="medical.counts")
def hospital_part(session: Session, viewer: Any, params: Mapping[str, str]) -> dict[str, Any]:
    """Beds and patients by ward, searched by name, ward, bed or condition, and filtered by
    ward and bed state; who is where, and how, for medical roles only."""
    filters = board_filters(params)
    board = hospital_board(session, actor=viewer.actor)
    beds = bed_list(session, actor=viewer.actor)
    wards = sorted({b["ward"] for b in beds})
    query, ward, state = (filters.get(k, "") for k in FILTERS)
    shown_beds = [
        b
        for b in beds
        if (not ward or b["ward"] == ward)
        and (not state or b["state"] == state)
        and _matches(query, b["ward"], b["label"], b["state"], b.get("patient"), b.get("condition"))
    ]
    patients = [
        p
        for p in board.get("patients", [])
        if (not ward or p["ward"] == ward)
        and (not state or state == BedState.OCCUPIED.value)
        and _matches(query, p["name"], p["ward"], p["bed"], p["condition"], p["reason"])
    ]
    return {
        "board": board,
        "beds": shown_beds,
        "beds_total": len(beds),
        "patients": patients,
        "free_beds": [b for b in beds if b["state"] == BedState.AVAILABLE.value],
        "wards": wards,
        "filters": filters,
        "back": board_address(filters),
        "may_manage": viewer.can("hospital.manage"),
        "settable": [s.value for s in SETTABLE],
        "conditions": [c.value for c in Condition],
    }


@router.get(BOARD, response_class=HTMLResponse)
def hospital_page(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    """The hospital board, searched and filtered, with the forms a medic uses."""
    require(viewer, "medical.counts")
    filters = board_filters(request.query_params)
    context = fill(session, viewer, ["hospital"], filters)
    context["fragment_query"] = urlencode(filters)
    context["bed_states"] = [s.value for s in BedState]
    if viewer.can("hospital.manage"):
        context["persons"] = persons_for_pick(session)
    context["live_after"] = last_seq(session)
    return render(request, "hospital.html", viewer, context)


def _back(back: str) -> str:
    """Where a form returns: the board with its filters, never another page."""
    return back if back == BOARD or back.startswith(BOARD + "?") else BOARD


def _act(request: Request, session: Session, back: str, act: Callable[[], str]) -> Response:
    """Run a board action; back to the board with what it did, or with why it was refused
    (a role that may not manage the hospital gets the use case's 403)."""
    where = _back(back)
    try:
        notice = act()
    except Forbidden:
        raise
    except (DomainError, ValueError) as exc:
        return refused(request, session, where, exc)
    return redirect(request, where, notice)


@router.post(f"{BOARD}/admissions", response_model=None)
def admit(
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    condition: Ref = "",
    person_id: Ref = "",
    casualty: Ref = "",
    bed_id: Ref = "",
    reason: Text = "",
    back: Text = BOARD,
) -> Response:
    """Admit a person, or a casualty by tag number, to a free bed or to no bed yet."""

    def act() -> str:
        fields = {
            "person_id": person_id or None,
            "casualty_id": casualty.strip() or None,
            "bed_id": bed_id or None,
            "condition": condition,
            "reason": reason,
        }
        row = hospital.admit(session, data=fields, actor=viewer.actor)
        bed = hospital.get_bed(session, row.bed_id).label if row.bed_id else ""
        return "Patient admitted" + (f" to bed {bed}." if bed else ".")

    return _act(request, session, back, act)


@router.post(BOARD + "/admissions/{admission_id}/transfer", response_model=None)
def transfer(
    admission_id: str,
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    bed_id: Ref = "",
    condition: Ref = "",
    back: Text = BOARD,
) -> Response:
    """Move a patient to a free bed (the bed left goes to cleaning), with a new condition."""

    def act() -> str:
        hospital.transfer(
            session,
            admission_id=admission_id,
            bed_id=bed_id,
            condition=condition or None,
            actor=viewer.actor,
        )
        return f"Patient transferred to bed {hospital.get_bed(session, bed_id).label}."

    return _act(request, session, back, act)


@router.post(BOARD + "/admissions/{admission_id}/discharge", response_model=None)
def discharge(
    admission_id: str,
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    disposition: Text = "",
    back: Text = BOARD,
) -> Response:
    """Discharge a patient, saying where to; the bed goes to cleaning."""

    def act() -> str:
        row = hospital.discharge(
            session, admission_id=admission_id, disposition=disposition, actor=viewer.actor
        )
        return f"Patient discharged: {row.disposition}."

    return _act(request, session, back, act)


@router.post(BOARD + "/beds/{bed_id}/state", response_model=None)
def bed_state(
    bed_id: str,
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    state: Ref = "",
    back: Text = BOARD,
) -> Response:
    """Mark a bed available, being cleaned or closed."""

    def act() -> str:
        bed = hospital.set_bed_state(session, bed_id=bed_id, state=state, actor=viewer.actor)
        return f"Bed {bed.label} is {bed.state.value}."

    return _act(request, session, back, act)
