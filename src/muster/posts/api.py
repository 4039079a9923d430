"""Post reports over HTTP: report, call for help, the board, force beside a weapon's custody.

Handsets at a post use these with their account's token, as the console does with its
cookie; the use cases authorize (a guard only for her own post).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, status

from muster import clock
from muster.logistics.schemas import CustodyRead
from muster.places.service import find_post
from muster.posts.board import post_board
from muster.posts.help import request_help
from muster.posts.models import PostReport
from muster.posts.reading import force_of_reports, list_reports, weapon_record
from muster.posts.rules import authorize_read
from muster.posts.schemas import (
    BoardRowRead,
    CustodyForce,
    FiledReport,
    ForceRead,
    HelpCreate,
    HelpRead,
    ReportCreate,
    ReportRead,
)
from muster.posts.service import file_report
from muster.schemas import Page
from muster.web.deps import CurrentActor, PageDep, SessionDep

router = APIRouter(prefix="/api/v1", tags=["posts"])


@router.post("/posts/{post_ref}/reports", status_code=status.HTTP_201_CREATED)
def create_report(
    post_ref: str,
    body: ReportCreate,
    session: SessionDep,
    actor: CurrentActor,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> FiledReport:
    """Report the post's situation (a guard only for her own post). A handset retries with
    the same Idempotency-Key: the first report is returned and nothing is recorded again."""
    report, force = file_report(
        session, post_ref=post_ref, data=body, actor=actor, idempotency_key=idempotency_key
    )
    return filed(report, [ForceRead.model_validate(f) for f in force])


def filed(report: PostReport, force: list[ForceRead]) -> FiledReport:
    """A report with its force, as the API answers."""
    return FiledReport(**ReportRead.model_validate(report).model_dump(), force=force)


@router.get("/posts/{post_ref}/reports")
def read_reports(
    post_ref: str, session: SessionDep, actor: CurrentActor, page: PageDep
) -> Page[FiledReport]:
    """The post's reports, newest first, each with the force it recorded."""
    authorize_read(actor)
    post = find_post(session, post_ref)
    rows, total = list_reports(session, post_id=post.id, limit=page.limit, offset=page.offset)
    force = force_of_reports(session, [r.id for r in rows])
    items = [filed(r, [ForceRead.model_validate(f) for f in force[r.id]]) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("/posts/{post_ref}/help", status_code=status.HTTP_201_CREATED)
def create_help(
    post_ref: str, body: HelpCreate, session: SessionDep, actor: CurrentActor
) -> HelpRead:
    """Help needed: page the commander and the post's officers at flash."""
    return HelpRead.model_validate(
        request_help(session, post_ref=post_ref, actor=actor, text=body.text)
    )


@router.get("/post-board")
def read_board(session: SessionDep, actor: CurrentActor) -> list[BoardRowRead]:
    """Every post: status in words and colour, age of its last report, help first."""
    authorize_read(actor)
    return [
        BoardRowRead(
            post_id=r.post_id,
            post=r.post,
            portal=r.portal,
            status=r.status,
            words=r.words,
            colour=r.colour,
            reported_at=r.report.reported_at if r.report else None,
            age_seconds=r.age_seconds,
            quiet=r.quiet,
            help_open=r.help_open,
            report=ReportRead.model_validate(r.report) if r.report else None,
        )
        for r in post_board(session, now=clock.now())
    ]


@router.get("/post-force/units/{unit_id}")
def read_force_of_unit(
    unit_id: str,
    session: SessionDep,
    actor: CurrentActor,
) -> CustodyForce:
    """A weapon's chain of custody and, beside it, the force it was used in."""
    record = weapon_record(session, ref=unit_id, actor=actor)
    return CustodyForce(
        unit_id=record.unit.id,
        serial=record.unit.serial,
        item=record.item.name,
        chain=[CustodyRead.model_validate(c).model_dump(mode="json") for c in record.chain],
        force=[ForceRead.model_validate(f) for f in record.force],
    )
