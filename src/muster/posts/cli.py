"""``muster report``: report a post's situation, call for help, read the board."""

from __future__ import annotations

from typing import Annotated

import typer

from muster import clock
from muster.cli.common import cli_actor, cli_session, console, fail
from muster.places.service import find_post
from muster.posts.board import post_board
from muster.posts.enums import PostStatus
from muster.posts.help import request_help
from muster.posts.reading import list_reports, weapon_record
from muster.posts.rules import authorize_read
from muster.posts.schemas import ForceCreate, ReportCreate
from muster.posts.service import file_report, report_summary

report_app = typer.Typer(
    help="Reports from the posts: situation, force used, help, the board.", no_args_is_help=True
)

Count = Annotated[int, typer.Option(min=0, help="How many seen")]


@report_app.command("file")
def file_cmd(
    post: Annotated[str, typer.Argument(help="Post name or id")],
    status: Annotated[PostStatus, typer.Option(help="The post's situation")],
    visitors: Count = 0,
    residents: Count = 0,
    armed: Count = 0,
    station_dead: Count = 0,
    station_wounded: Count = 0,
    visitors_dead: Count = 0,
    visitors_wounded: Count = 0,
    text: Annotated[str, typer.Option(help="One line in words")] = "",
    force_by: Annotated[
        str | None, typer.Option(help="Who used force: username, person id or name")
    ] = None,
    against: Annotated[
        list[str] | None, typer.Option(help="A person force was used against")
    ] = None,
    against_count: Annotated[int, typer.Option(min=0, help="How many, if not all named")] = 0,
    weapon: Annotated[str | None, typer.Option(help="Serial of a weapon from custody")] = None,
    means: Annotated[str, typer.Option(help="Otherwise, what was used")] = "",
    outcome: Annotated[str, typer.Option(help="The outcome of the force used")] = "",
) -> None:
    """Report a post's situation (a guard only for her own post).

    Example: muster report file "West airlock post" --status force_used --visitors 10
    --force-by noor --against-count 10 --outcome "Visitors driven back from the airlock"
    """
    if force_by and not outcome:
        fail("say the outcome of the force used: --outcome")
    try:
        force = (
            [
                ForceCreate(
                    used_by=force_by,
                    against=against or [],
                    against_count=against_count,
                    weapon=weapon,
                    means=means,
                    outcome=outcome,
                )
            ]
            if force_by
            else []
        )
        data = ReportCreate(
            status=status,
            visitors=visitors,
            residents=residents,
            armed=armed,
            station_dead=station_dead,
            station_wounded=station_wounded,
            visitors_dead=visitors_dead,
            visitors_wounded=visitors_wounded,
            text=text,
            force=force,
        )
    except ValueError as exc:
        fail(f"not a report: {exc}")
    with cli_session() as session:
        report, recorded = file_report(session, post_ref=post, data=data, actor=cli_actor(session))
        console.print(f"Report {report.id} filed, {len(recorded)} uses of force recorded.")


@report_app.command("help")
def help_cmd(
    post: Annotated[str, typer.Argument(help="Post name or id")],
    text: Annotated[str, typer.Option(help="What help is needed")] = "",
) -> None:
    """Call for help: page the commander and the post's officers at flash.

    Example: muster report help "West airlock post" --text "Blades drawn"
    """
    with cli_session() as session:
        row = request_help(session, post_ref=post, actor=cli_actor(session), text=text)
        console.print(f"Help called: message {row.message_id} sent at flash.")


@report_app.command("board")
def board_cmd() -> None:
    """Every post: its status, the age of its last report, help and quiet posts first."""
    with cli_session(write=False) as session:
        authorize_read(cli_actor(session))
        for row in post_board(session, now=clock.now()):
            console.print(f"{row.colour:6} {row.post:30} {row.age:>10}  {row.words}")


@report_app.command("list")
def list_cmd(
    post: Annotated[str, typer.Argument(help="Post name or id")],
    limit: Annotated[int, typer.Option(min=1, max=500)] = 20,
) -> None:
    """A post's reports, newest first."""
    with cli_session(write=False) as session:
        authorize_read(cli_actor(session))
        found = find_post(session, post)
        rows, total = list_reports(session, post_id=found.id, limit=limit)
        for report in rows:
            console.print(
                f"{report.reported_at:%Y-%m-%d %H:%M:%S}  {report_summary(found, report)}"
            )
        console.print(f"{len(rows)} of {total} shown.")


@report_app.command("weapon")
def weapon_cmd(unit: Annotated[str, typer.Argument(help="Weapon's unit id or serial")]) -> None:
    """A weapon's chain of custody and, beside it, the force it was used in."""
    with cli_session(write=False) as session:
        record = weapon_record(session, ref=unit, actor=cli_actor(session))
        console.print(f"{record.item.name} {record.unit.serial}")
        for link in record.chain:
            back = f", back {link.back_at:%Y-%m-%d %H:%M:%S}" if link.back_at else ", held now"
            console.print(f"  custody {link.position}: out {link.out_at:%Y-%m-%d %H:%M:%S}{back}")
        for use in record.force:
            console.print(f"  force {use.used_at:%Y-%m-%d %H:%M:%S}: {use.outcome}")
