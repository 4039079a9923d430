"""The situation report of an incident: the working draft with figures computed now, the
scribe's edits, the commander's publishing, and the published versions with exports.

Published versions never change (the incidents domain refuses it); the Markdown and PDF
exports are the API's, reached with the console's session cookie.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, Response

from muster.errors import DomainError, Forbidden
from muster.events.checkpoints import checkpoint_lines
from muster.events.service import last_seq
from muster.incidents import service, sitrep
from muster.incidents.export import checkpoint_json, figure_lines
from muster.incidents.schemas import SitrepEdit
from muster.schemas import RecordNumber
from muster.web.console.forms import refused
from muster.web.console.fragments import fill, fragment
from muster.web.console.rendering import redirect, render
from muster.web.console.viewer import FormViewerDep, ViewerDep, require
from muster.web.deps import SessionDep

router = APIRouter()


@fragment("sitrep_figures", action="incident.read")
def figures_part(session: Session, _viewer: Any, params: Mapping[str, str]) -> dict[str, Any]:
    """The draft's figures as they stand now, computed from the records."""
    draft = sitrep.preview_draft(session, incident_id=params.get("incident", ""))
    return {"draft": draft, "figure_lines": figure_lines(draft.figures)}


@router.get("/incidents/{incident_id}/sitrep", response_class=HTMLResponse)
def sitrep_page(
    incident_id: str, request: Request, session: SessionDep, viewer: ViewerDep
) -> HTMLResponse:
    """The working draft, and every published version."""
    require(viewer, "incident.read")
    incident = service.get_incident(session, incident_id)
    context = fill(session, viewer, ["sitrep_figures"], {"incident": incident.id})
    context.update(
        {
            "incident": incident,
            "versions": list(reversed(sitrep.list_versions(session, incident_id=incident.id))),
            "may_edit": viewer.can("sitrep.edit"),
            "may_publish": viewer.can("sitrep.publish"),
            "live_after": last_seq(session),
        }
    )
    return render(request, "sitrep.html", viewer, context)


@router.get("/incidents/{incident_id}/sitreps/{number}", response_class=HTMLResponse)
def version_page(
    incident_id: str, number: RecordNumber, request: Request, session: SessionDep, viewer: ViewerDep
) -> HTMLResponse:
    """One published version, as it was published."""
    require(viewer, "incident.read")
    incident = service.get_incident(session, incident_id)
    version = sitrep.get_version(session, incident_id=incident.id, number=number)
    context = {
        "incident": incident,
        "version": version,
        "figure_lines": figure_lines(version.figures),
        "checkpoint_lines": checkpoint_lines(version.figures.get("record_checkpoint")),
        "checkpoint_json": checkpoint_json(version.figures),
    }
    return render(request, "sitrep_version.html", viewer, context)


@router.post("/incidents/{incident_id}/sitrep", response_model=None)
def edit(
    incident_id: str,
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    situation: Annotated[str, Form(max_length=8000)] = "",
    actions: Annotated[str, Form(max_length=8000)] = "",
    plans: Annotated[str, Form(max_length=8000)] = "",
) -> Response:
    """The scribe saves the draft's narrative."""
    back = f"/incidents/{incident_id}/sitrep"
    try:
        data = SitrepEdit(situation=situation, actions=actions, plans=plans)
        sitrep.edit_draft(session, incident_id=incident_id, data=data, actor=viewer.actor)
    except Forbidden:
        raise
    except (DomainError, ValueError) as exc:
        return refused(request, session, back, exc)
    return redirect(request, back, "Draft saved.")


@router.post("/incidents/{incident_id}/sitrep/publish", response_model=None)
def publish(
    incident_id: str, request: Request, session: SessionDep, viewer: FormViewerDep
) -> Response:
    """The commander publishes the draft as the next numbered version."""
    back = f"/incidents/{incident_id}/sitrep"
    try:
        version = sitrep.publish_sitrep(session, incident_id=incident_id, actor=viewer.actor)
    except Forbidden:
        raise
    except DomainError as exc:
        return refused(request, session, back, exc)
    return redirect(request, back, f"Situation report {version.number} published.")
