"""The server's side of door controllers: the replica's feed and the journal's uploads."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from muster.door.batch import EntryOutcome, record_door_batch
from muster.door.feed import read_feed
from muster.door.schemas import DoorAlertIn, DoorBatchIn, DoorRequestIn
from muster.door.uploads import Upload, record_door_alert, record_door_request
from muster.events.api import open_stream
from muster.policy.actor import Actor
from muster.policy.authorize import DOOR_FEED, authorize
from muster.web.deps import CurrentActor, SessionDep, in_write_transaction, require_credentials
from muster.web.streaming import LiveStreamResponse

router = APIRouter(prefix="/api/v1/doors", tags=["doors"])
Cursor = Annotated[int, Query(ge=0, le=2**62)]


@router.get("/feed")
def read_door_feed(
    session: SessionDep, actor: CurrentActor, after_seq: Cursor = 0, after_n: Cursor = 0
) -> dict[str, Any]:
    """Events after ``after_seq`` and row versions after ``after_n``, for a door's replica
    (docs/doors.md); ``complete`` is false when more follow at once."""
    return read_feed(session, after_seq=after_seq, after_n=after_n, actor=actor).as_dict()


@router.get("/stream")
async def stream_for_door(
    request: Request,
    actor: CurrentActor,
    last_event_id: Annotated[str | None, Header()] = None,
    after: Annotated[int | None, Query(ge=0, le=2**62)] = None,
) -> LiveStreamResponse:
    """The record's live stream with a ``head`` event at least every 250 ms, for a door
    (``door.feed``: a door's token may follow it without reading the record's API)."""
    authorize(actor, DOOR_FEED)
    return await open_stream(request, actor, last_event_id=last_event_id, after=after, heads=True)


# The write routes run sign-in, policy sync, the use case and the commit in one worker
# thread (``in_write_transaction``): many doors upload at once, and a transaction begun in
# a dependency would hold SQLite's write lock across trips through the event loop while
# the others waited on it (20 doors after each hold: "database is locked", 500s).


@router.post(
    "/portals/{portal_id}/requests",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(require_credentials)],
)
async def upload_door_request(
    portal_id: str,
    body: DoorRequestIn,
    request: Request,
    response: Response,
    idempotency_key: Annotated[str, Header(min_length=1, max_length=200)],
) -> dict[str, Any]:
    """Record a request a door decided while it answered its reader; a retry with the same
    Idempotency-Key (the request_id) records nothing more and answers 200. ``seqs`` are the
    events it appended, which change no table a door replicates."""

    def work(session: Session, actor: Actor) -> Upload:
        return record_door_request(
            session, portal_id=portal_id, upload=body, idempotency_key=idempotency_key, actor=actor
        )

    upload = await run_in_threadpool(in_write_transaction, request, work)
    if not upload.created:
        response.status_code = status.HTTP_200_OK
    return {
        "request_id": upload.request_id,
        "recorded": upload.recorded,
        "seqs": list(upload.seqs),
    }


@router.post(
    "/portals/{portal_id}/alerts",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(require_credentials)],
)
async def upload_door_alert(
    portal_id: str,
    body: DoorAlertIn,
    request: Request,
    response: Response,
    idempotency_key: Annotated[str, Header(min_length=1, max_length=200)],
) -> dict[str, Any]:
    """Raise an alert for the post at a door's portal (a passage the door refused, or an
    entry of its journal the server refused); a retry with the same Idempotency-Key raises
    nothing more and answers 200."""

    def work(session: Session, actor: Actor) -> int | None:
        return record_door_alert(
            session, portal_id=portal_id, alert=body, idempotency_key=idempotency_key, actor=actor
        )

    seq = await run_in_threadpool(in_write_transaction, request, work)
    if seq is None:
        response.status_code = status.HTTP_200_OK
    return {"seq": seq}


@router.post("/journal", dependencies=[Depends(require_credentials)])
async def upload_door_journal(body: DoorBatchIn, request: Request) -> dict[str, Any]:
    """Record a batch of a door's journal entries in order, in one transaction: each entry
    as its single upload would (the same authorization, keyed by its Idempotency-Key, once),
    answered with that upload's status. Entries stop at the first the door must retry (not
    a success, a 409 or a 422); those after it are not attempted and not answered."""

    def work(session: Session, actor: Actor) -> list[EntryOutcome]:
        return record_door_batch(session, entries=body.entries, actor=actor)

    outcomes = await run_in_threadpool(in_write_transaction, request, work)
    return {"entries": [o.as_dict() for o in outcomes]}
