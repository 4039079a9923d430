"""The casualty board (the hospital board is ``hospital_pages``).

Every operator sees the counts (``medical.counts``); names, injuries, triage history and
patients are only for the roles the policy lets see clinical details (``medical.clinical``).
Officers and the commander record and re-triage casualties at the scene
(``casualty.record``), as the API lets them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, get_args

from fastapi import APIRouter, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, Response

from muster.errors import DomainError, Forbidden
from muster.events.service import last_seq
from muster.medical import casualties
from muster.medical.enums import Side, Triage
from muster.medical.schemas import Avpu, CasualtyCreate, TriageChange
from muster.web.console.forms import person_names, persons_for_pick, refused
from muster.web.console.fragments import fill, fragment
from muster.web.console.rendering import redirect, render
from muster.web.console.viewer import FormViewerDep, ViewerDep, require
from muster.web.deps import SessionDep

router = APIRouter()
LISTED = 300


@fragment("casualty_list", action="medical.clinical")
def casualty_list_part(session: Session, viewer: Any, params: Mapping[str, str]) -> dict[str, Any]:
    """Every casualty with clinical details, by tag number (medical roles only)."""
    rows, total = casualties.list_casualties(session, limit=LISTED)
    ids = [r.person_id for r in rows] + [r.treated_by_id for r in rows]
    return {
        "casualty_rows": rows,
        "casualty_rows_total": total,
        "casualty_names": person_names(session, ids),
        "casualty_why": {
            cid: t.override_reason or t.explanation
            for cid, t in casualties.latest_triages(session, [r.id for r in rows]).items()
        },
        "triages": list(Triage),
        "may_record": viewer.can("casualty.record"),
    }


@router.get("/medical", response_class=HTMLResponse)
def casualty_board(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    """Casualty counts for all, the casualty list for medical roles, the record form."""
    require(viewer, "medical.counts")
    context = fill(session, viewer, ["casualties", "casualty_list"], {})
    may_record = viewer.can("casualty.record")
    context.update(
        {
            "may_record": may_record,
            "sides": [(s.value, s.value.capitalize()) for s in Side],
            "triages": list(Triage),
            "avpu_levels": list(get_args(Avpu)),
            "live_after": last_seq(session),
        }
    )
    if may_record:
        context["persons"] = persons_for_pick(session)
    return render(request, "medical.html", viewer, context)


YES_NO = {"yes": True, "no": False}
Choice = Annotated[str, Form(max_length=20)]
Number = Annotated[str, Form(max_length=8)]


def _triage_form(findings: dict[str, str], triage: str, reason: str) -> dict[str, Any]:
    """What a triage form sent, as the input models take it (blank: not checked)."""
    found = {k: YES_NO.get(v.strip(), v.strip()) for k, v in findings.items() if v.strip()}
    return {"findings": found or None, "triage": triage or None, "reason": reason}


@router.post("/medical/casualties", response_model=None)
def record(
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    found_at: Annotated[str, Form(max_length=200)] = "",
    person_id: Annotated[str, Form(max_length=36)] = "",
    description: Annotated[str, Form(max_length=4000)] = "",
    age_years: Number = "",
    side: Choice = "",
    injuries: Annotated[str, Form(max_length=4000)] = "",
    taken_to: Annotated[str, Form(max_length=200)] = "",
    walks: Choice = "",
    breathing: Choice = "",
    breathing_after_airway: Choice = "",
    breathing_after_rescue_breaths: Choice = "",
    respiratory_rate: Number = "",
    radial_pulse: Choice = "",
    capillary_refill_seconds: Number = "",
    obeys_commands: Choice = "",
    avpu: Choice = "",
    triage: Choice = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Record a casualty, a known person or a description to match later, from the findings."""
    findings = {
        "walks": walks,
        "breathing": breathing,
        "breathing_after_airway": breathing_after_airway,
        "breathing_after_rescue_breaths": breathing_after_rescue_breaths,
        "respiratory_rate": respiratory_rate,
        "radial_pulse": radial_pulse,
        "capillary_refill_seconds": capillary_refill_seconds,
        "obeys_commands": obeys_commands,
        "avpu": avpu,
    }
    try:
        data = CasualtyCreate.model_validate(
            {
                **_triage_form(findings, triage, reason),
                "person_id": person_id or None,
                "description": description,
                "age_years": age_years or None,
                "side": side or None,
                "found_at": found_at,
                "injuries": injuries,
                "taken_to": taken_to,
            }
        )
        row = casualties.record_casualty(session, data=data, actor=viewer.actor)
    except Forbidden:
        raise
    except (DomainError, ValueError) as exc:
        return refused(request, session, "/medical", exc)
    note = f"Casualty C-{row.number} recorded: {row.side.value} side, triage {row.triage.value}."
    return redirect(request, "/medical", note)


@router.post("/medical/casualties/retriage", response_model=None)
def retriage(
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    casualty: Annotated[str, Form(max_length=40)],
    note: Annotated[str, Form(max_length=4000)] = "",
    walks: Choice = "",
    breathing: Choice = "",
    breathing_after_airway: Choice = "",
    breathing_after_rescue_breaths: Choice = "",
    respiratory_rate: Number = "",
    radial_pulse: Choice = "",
    capillary_refill_seconds: Number = "",
    obeys_commands: Choice = "",
    avpu: Choice = "",
    triage: Choice = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Triage a casualty again by tag number; the history keeps every triage."""
    findings = {
        "walks": walks,
        "breathing": breathing,
        "breathing_after_airway": breathing_after_airway,
        "breathing_after_rescue_breaths": breathing_after_rescue_breaths,
        "respiratory_rate": respiratory_rate,
        "radial_pulse": radial_pulse,
        "capillary_refill_seconds": capillary_refill_seconds,
        "obeys_commands": obeys_commands,
        "avpu": avpu,
    }
    try:
        data = TriageChange.model_validate({**_triage_form(findings, triage, reason), "note": note})
        row = casualties.retriage(
            session, casualty_id=casualty.strip(), data=data, actor=viewer.actor
        )
    except Forbidden:
        raise
    except (DomainError, ValueError) as exc:
        return refused(request, session, "/medical", exc)
    return redirect(request, "/medical", f"Casualty C-{row.number} re-triaged {row.triage.value}.")
