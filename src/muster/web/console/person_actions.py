"""What an operator may do to a person from their page: holds and duty passes.

Each control is shown only when the policy allows it, and each POST is authorized again
by the same rule (``hold.place`` on the hold's kind, ``duty_pass.issue``); lifting a hold
is ``lift_hold``'s to refuse.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from muster.access.decisions import list_decisions
from muster.access.enums import HoldKind
from muster.access.hold_views import read_holds
from muster.access.holds import (
    get_hold,
    hold_resource,
    lift_hold,
    may_lift,
    place_hold,
)
from muster.access.passes import issue_duty_pass
from muster.access.presence import place_of
from muster.errors import DomainError, Invalid
from muster.people.service import get_person
from muster.web.console.rendering import redirect
from muster.web.console.viewer import FormViewerDep, Viewer
from muster.web.deps import SessionDep

router = APIRouter()
PERSON_DECISIONS = 20


def person_access(session: Session, viewer: Viewer, person_id: str) -> dict[str, Any]:
    """A person's holds, place, recent decisions and the actions the operator may take."""
    context: dict[str, Any] = {}
    if viewer.can("hold.read"):
        holds, _ = read_holds(
            session, actor=viewer.actor, person=person_id, include_lifted=True, limit=50
        )
        context["holds"] = holds
        context["liftable"] = {
            h.id for h in holds if h.lifted_at is None and may_lift(viewer.actor, h.kind)
        }
        context["placeable"] = [
            k.value for k in HoldKind if viewer.can("hold.place", hold_resource(k.value))
        ]
    if viewer.can("presence.read"):
        context["place"] = place_of(session, person_id)
    context["decisions"] = list_decisions(session, person_id=person_id, limit=PERSON_DECISIONS)
    context["may_issue_pass"] = viewer.can("duty_pass.issue")
    return context


def _fail(request: Request, session: Session, back: str, exc: Exception) -> Response:
    session.rollback()
    text = exc.message if isinstance(exc, DomainError) else str(exc)
    return redirect(request, back, f"Refused: {text}")


@router.post("/people/{person_id}/holds", response_model=None)
def place(
    person_id: str,
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    kind: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Place a hold: from now on no airlock lets the person out."""
    person = get_person(session, person_id)
    back = f"/people/{person.id}"
    try:
        hold_kind = HoldKind(kind)
        place_hold(session, person_id=person.id, kind=hold_kind, reason=reason, actor=viewer.actor)
    except (DomainError, ValueError) as exc:
        return _fail(request, session, back, exc)
    return redirect(request, back, f"{hold_kind.value.capitalize()} hold placed on {person.name}.")


@router.post("/people/{person_id}/holds/{hold_id}/lift", response_model=None)
def lift(
    person_id: str,
    hold_id: str,
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Lift one hold (the person stays held while another remains)."""
    back = f"/people/{person_id}"
    try:
        hold = get_hold(session, hold_id)
        if hold.person_id != person_id:
            raise Invalid("that hold is not on this person")
        lift_hold(session, hold_id=hold.id, reason=reason, actor=viewer.actor)
    except DomainError as exc:
        return _fail(request, session, back, exc)
    return redirect(request, back, f"{hold.kind.capitalize()} hold lifted.")


def _when(text: str, label: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise Invalid(f"give the pass's '{label}' time as a date and time") from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


@router.post("/people/{person_id}/duty-passes", response_model=None)
def issue_pass(
    person_id: str,
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    purpose: Annotated[str, Form(max_length=2000)] = "",
    valid_from: Annotated[str, Form(max_length=40)] = "",
    valid_until: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Issue a duty pass: leave to go out through the airlocks in a time window (UTC)."""
    back = f"/people/{person_id}"
    try:
        issue_duty_pass(
            session,
            person_id=person_id,
            purpose=purpose,
            valid_from=_when(valid_from, "from"),
            valid_until=_when(valid_until, "until"),
            actor=viewer.actor,
        )
    except DomainError as exc:
        return _fail(request, session, back, exc)
    return redirect(request, back, "Duty pass issued.")
