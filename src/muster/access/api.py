"""Airlocks over HTTP: requests, passages, modes, holds, passes, presence, roll call."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response, status
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from muster import clock
from muster.access import hold_views, holds, passes, presence, rollcall
from muster.access.decisions import GroupDecision, decide_request, get_decision, list_decisions
from muster.access.facts import PortalFacts, load_portal
from muster.access.hold_views import hold_view, sees_clinical
from muster.access.modes import set_portal_mode
from muster.access.passages import record_passage
from muster.access.schemas import (
    AccessRequestIn,
    DecisionRead,
    DutyPassIn,
    GroupDecisionOut,
    HeadCountsOut,
    HoldIn,
    HoldRead,
    IssuedOut,
    LiftIn,
    MarkIn,
    ModeIn,
    PassageIn,
    PassageRead,
    PersonDecisionOut,
    PlaceOut,
    PortalModeOut,
    PresenceIn,
    RollCallIn,
    RollCallOut,
    TransferRead,
    VisitIn,
)
from muster.access.transfers import current_transfers
from muster.people.service import find_person
from muster.policy.actor import Actor
from muster.policy.authorize import Resource, authorize
from muster.schemas import Page
from muster.web.deps import (
    CurrentActor,
    PageDep,
    SessionDep,
    in_write_transaction,
    require_credentials,
)
from muster.web.problems import problem

# ``get_session`` (``SessionDep``) puts the database's active policy in force before the
# route runs, so every authorization and decision of a request uses the policy activated
# last, by whichever node.
router = APIRouter(prefix="/api/v1", tags=["access"])


def portal_resource(portal: PortalFacts) -> Resource:
    """A portal as the resource of an operator action."""
    return portal.resource()


def _portal(session: Session, portal_id: str) -> PortalFacts:
    return load_portal(session, portal_id)


@router.post("/portals/{portal_id}/requests", dependencies=[Depends(require_credentials)])
async def request_passage(
    portal_id: str, body: AccessRequestIn, request: Request
) -> GroupDecisionOut:
    """Decide each person of a request at a portal; the answer says who may pass and why.

    The reader's hot path: sign-in, policy sync, authorization, decision and commit run in
    one worker-thread call (``in_write_transaction``), with the same checks as every route.
    """

    def work(session: Session, actor: Actor) -> GroupDecisionOut:
        return _group_out(
            decide_request(
                session,
                portal_id=portal_id,
                person_refs=body.persons,
                direction=body.direction,
                actor=actor,
            )
        )

    return await run_in_threadpool(in_write_transaction, request, work)


def _group_out(group: GroupDecision) -> GroupDecisionOut:
    return GroupDecisionOut(
        request_id=group.request_id,
        portal_id=group.portal_id,
        portal=group.portal_name,
        direction=group.direction,
        policy_version=group.policy_version,
        instruction=group.instruction,
        allowed=group.allowed_count,
        denied=len(group.decisions) - group.allowed_count,
        decisions=[
            PersonDecisionOut(**{**asdict(d), "rule_ids": list(d.rule_ids)})
            for d in group.decisions
        ],
    )


@router.get("/portals/{portal_id}/decisions")
def read_portal_decisions(
    portal_id: str, session: SessionDep, actor: CurrentActor, page: PageDep
) -> list[DecisionRead]:
    """Recent decisions at a portal, newest first."""
    portal = _portal(session, portal_id)
    authorize(actor, "access.request", portal_resource(portal))
    rows = list_decisions(session, portal_id=portal.id, limit=page.limit, offset=page.offset)
    return [DecisionRead.model_validate(r) for r in rows]


@router.get("/decisions/{decision_id}")
def read_decision(decision_id: str, session: SessionDep, actor: CurrentActor) -> DecisionRead:
    """One stored decision."""
    authorize(actor, "hold.read")
    return DecisionRead.model_validate(get_decision(session, decision_id))


@router.post(
    "/portals/{portal_id}/passages",
    status_code=status.HTTP_201_CREATED,
    response_model=PassageRead,
    responses={409: {"description": "No permit, or the permit no longer holds"}},
)
def report_passage(
    portal_id: str,
    body: PassageIn,
    session: SessionDep,
    actor: CurrentActor,
    response: Response,
    idempotency_key: Annotated[str, Header(min_length=1, max_length=200)],
) -> PassageRead | JSONResponse:
    """Record a permitted person's passage; a retry with the same Idempotency-Key records
    nothing more and answers with the first passage (200 instead of 201). A permit whose
    facts changed since it was decided is refused (409) and the post alerted; the refusal
    is kept in the record."""
    outcome = record_passage(
        session,
        portal_id=portal_id,
        person_ref=body.person,
        direction=body.direction,
        idempotency_key=idempotency_key,
        actor=actor,
    )
    if outcome.passage is None:
        return problem(status.HTTP_409_CONFLICT, "Conflict", outcome.refusal)
    if not outcome.created:
        response.status_code = status.HTTP_200_OK
    return PassageRead.model_validate(outcome.passage)


@router.put("/portals/{portal_id}/mode")
def change_mode(
    portal_id: str, body: ModeIn, session: SessionDep, actor: CurrentActor
) -> PortalModeOut:
    """Change a portal's mode (commander), with the reason."""
    portal = set_portal_mode(
        session, portal_id=portal_id, mode=body.mode, reason=body.reason, actor=actor
    )
    return PortalModeOut(
        portal_id=portal.id, name=portal.name, mode=portal.mode, reason=portal.mode_reason
    )


@router.post("/holds", status_code=status.HTTP_201_CREATED)
def create_hold(body: HoldIn, session: SessionDep, actor: CurrentActor) -> HoldRead:
    """Hold a person: no airlock lets them out until every hold on them is lifted."""
    hold = holds.place_hold(
        session, person_id=body.person, kind=body.kind, reason=body.reason, actor=actor
    )
    return HoldRead.model_validate(hold_view(hold, clinical=sees_clinical(actor)))


@router.post("/holds/{hold_id}/lift")
def lift_hold(hold_id: str, body: LiftIn, session: SessionDep, actor: CurrentActor) -> HoldRead:
    """Lift a hold (provisional: command, or a medic on a clear screening since; medical:
    a medic only, on a clear screening taken after it was placed)."""
    hold = holds.lift_hold(session, hold_id=hold_id, reason=body.reason, actor=actor)
    return HoldRead.model_validate(hold_view(hold, clinical=sees_clinical(actor)))


@router.get("/holds")
def read_holds(
    session: SessionDep,
    actor: CurrentActor,
    page: PageDep,
    person: str | None = None,
    include_lifted: bool = False,
) -> Page[HoldRead]:
    """Holds, open ones unless include_lifted."""
    seen, total = hold_views.read_holds(
        session,
        actor=actor,
        person=person,
        include_lifted=include_lifted,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(
        items=[HoldRead.model_validate(h) for h in seen],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post("/duty-passes", status_code=status.HTTP_201_CREATED)
def create_duty_pass(body: DutyPassIn, session: SessionDep, actor: CurrentActor) -> IssuedOut:
    """Issue a duty pass (commander)."""
    row = passes.issue_duty_pass(
        session,
        person_id=body.person,
        purpose=body.purpose,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        actor=actor,
    )
    return IssuedOut(
        id=row.id, person_id=row.person_id, valid_from=row.valid_from, valid_until=row.valid_until
    )


@router.post("/visits", status_code=status.HTTP_201_CREATED)
def create_visit(body: VisitIn, session: SessionDep, actor: CurrentActor) -> IssuedOut:
    """Issue a visit authorization for a visitor."""
    row = passes.issue_visit(
        session,
        person_id=body.person,
        host_id=body.host,
        purpose=body.purpose,
        zone_ids=body.zone_ids,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        actor=actor,
    )
    return IssuedOut(
        id=row.id, person_id=row.person_id, valid_from=row.valid_from, valid_until=row.valid_until
    )


@router.get("/transfers")
def read_transfers(
    session: SessionDep, actor: CurrentActor, person: str | None = None
) -> list[TransferRead]:
    """The transfers consent cases allow now, as the airlocks derive them (read only).

    No one grants a transfer: it follows from an approved consent case whose check-up is
    not overdue, for that case's vessel (see ``/api/v1/welfare/cases``).
    """
    authorize(actor, "transfer.read")
    person_id = find_person(session, person).id if person else None
    rows = current_transfers(session, at=clock.now(), person_id=person_id)
    return [TransferRead(**asdict(row)) for row in rows]


@router.get("/presence")
def read_head_counts(session: SessionDep, actor: CurrentActor) -> HeadCountsOut:
    """Head counts by zone, affiliation and party; visitors aboard against expected."""
    authorize(actor, "presence.read")
    return HeadCountsOut(**asdict(presence.head_counts(session)))


@router.get("/presence/{person}")
def read_place(person: str, session: SessionDep, actor: CurrentActor) -> PlaceOut:
    """A person's last known place."""
    authorize(actor, "presence.read")
    return _place_out(session, find_person(session, person).id)


def _place_out(session: Session, person_id: str) -> PlaceOut:
    place = presence.place_of(session, person_id)
    return PlaceOut(
        person_id=place.person_id,
        zone_id=place.zone_id,
        zone=place.zone_name,
        aboard=place.aboard,
        departed_to_party_id=place.departed_to_party_id,
        words=place.words,
    )


@router.post("/presence")
def set_place(body: PresenceIn, session: SessionDep, actor: CurrentActor) -> PlaceOut:
    """Record where an operator has seen a person."""
    row = presence.set_presence(
        session, person_id=body.person, zone_id=body.zone_id, reason=body.reason, actor=actor
    )
    return _place_out(session, row.person_id)


@router.get("/rollcall")
def read_rollcall(session: SessionDep, actor: CurrentActor, page: PageDep) -> RollCallOut:
    """The open roll call: who is unaccounted for, with their last known place."""
    authorize(actor, "presence.read")
    report = rollcall.rollcall_report(session, limit=page.limit, offset=page.offset)
    return RollCallOut(**asdict(report))


@router.post("/rollcalls", status_code=status.HTTP_201_CREATED)
def start_rollcall(body: RollCallIn, session: SessionDep, actor: CurrentActor) -> RollCallOut:
    """Open a roll call: everyone is unaccounted for until a post marks them."""
    rollcall.start_rollcall(session, reason=body.reason, actor=actor)
    return RollCallOut(**asdict(rollcall.rollcall_report(session)))


@router.post("/rollcall/marks", status_code=status.HTTP_201_CREATED)
def mark_accounted(body: MarkIn, session: SessionDep, actor: CurrentActor) -> dict[str, str]:
    """A post accounts for a person."""
    mark = rollcall.mark_accounted(session, person_ref=body.person, post_id=body.post, actor=actor)
    return {"person_id": mark.person_id, "post_id": mark.post_id, "roll_call_id": mark.roll_call_id}
