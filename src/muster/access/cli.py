"""Airlocks at the command line: requests, passages, modes, holds, passes, presence, roll call.

Typer apps: ``access_app`` (muster access), ``hold_app`` (muster hold), ``presence_app``
(muster presence), ``rollcall_app`` (muster rollcall). ``muster access mode`` is also meant
to be exposed as ``muster portal mode``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import typer
from rich.table import Table

from muster.access.enums import Direction, HoldKind
from muster.cli.common import cli_actor, cli_session, console, fail
from muster.places.enums import PortalMode

# The domain modules load inside each command: ``muster hold list`` does not pay for the
# decision engine, and ``muster --help`` for none of it (see muster.cli.lazy).

access_app = typer.Typer(help="Airlocks and doors under policy.", no_args_is_help=True)
hold_app = typer.Typer(help="Holds: no airlock lets a held person out.", no_args_is_help=True)
presence_app = typer.Typer(help="Who is where: head counts and places.")
rollcall_app = typer.Typer(help="Roll call: who is unaccounted for.")


@access_app.command("request")
def request_cmd(
    portal: str = typer.Argument(..., help="Portal id or name"),
    persons: list[str] = typer.Argument(..., help="Person ids, badge ids or names"),
    direction: Direction = typer.Option(Direction.EXIT, help="exit or enter"),
) -> None:
    """Decide each person at a portal and print who may pass and why.

    Example: muster access request "South airlock" Zane B-1042 --direction exit
    """
    from muster.access.decisions import decide_request

    with cli_session() as session:
        group = decide_request(
            session,
            portal_id=portal,
            person_refs=persons,
            direction=direction,
            actor=cli_actor(session),
        )
        table = Table("Person", "Decision", "Rules", "Explanation")
        for d in group.decisions:
            verdict = "[green]pass[/]" if d.allowed else "[red]hold back[/]"
            table.add_row(d.name, verdict, ", ".join(d.rule_ids), d.explanation)
        console.print(table)
        console.print(f"[bold]{group.instruction}[/] (policy {group.policy_version})")


@access_app.command("passage")
def passage_cmd(
    portal: str,
    person: str,
    key: str = typer.Option(..., help="Idempotency key: the same key never records twice"),
    direction: Direction = typer.Option(Direction.EXIT),
) -> None:
    """Record that a permitted person went through a portal.

    A permit whose facts changed since it was decided is refused and the post alerted.
    """
    from muster.access.passages import record_passage

    with cli_session() as session:
        outcome = record_passage(
            session,
            portal_id=portal,
            person_ref=person,
            direction=direction,
            idempotency_key=key,
            actor=cli_actor(session),
        )
    # Outside the transaction, so that the refusal and its alert are kept.
    if outcome.passage is None:
        fail(f"Passage refused: {outcome.refusal}.")
        return
    done = "recorded" if outcome.created else "already recorded"
    console.print(f"Passage {outcome.passage.id} {done}.")


@access_app.command("mode")
def mode_cmd(
    portal: str,
    mode: PortalMode,
    reason: str = typer.Option(..., help="Why: shown at the posts and kept in the record"),
) -> None:
    """Change a portal's mode: normal, lockdown, evacuation or maintenance."""
    from muster.access.modes import set_portal_mode

    with cli_session() as session:
        row = set_portal_mode(
            session, portal_id=portal, mode=mode, reason=reason, actor=cli_actor(session)
        )
        console.print(f"{row.name} is now in {mode.value} mode.")


@access_app.command("duty-pass")
def duty_pass_cmd(
    person: str,
    purpose: str = typer.Option(...),
    hours: float = typer.Option(4.0, help="Length of the window from now"),
) -> None:
    """Issue a duty pass from now for some hours."""
    from muster import clock
    from muster.access import passes

    with cli_session() as session:
        start = clock.now()
        row = passes.issue_duty_pass(
            session,
            person_id=person,
            purpose=purpose,
            valid_from=start,
            valid_until=start + timedelta(hours=hours),
            actor=cli_actor(session),
        )
        console.print(f"Duty pass {row.id} until {row.valid_until:%Y-%m-%d %H:%M} UTC.")


@access_app.command("visit")
def visit_cmd(
    person: str,
    host: str = typer.Option(...),
    purpose: str = typer.Option(...),
    zone: list[str] = typer.Option([], help="Zone id the visit allows (repeat)"),
    until: datetime = typer.Option(..., help="End of the visit (UTC)"),
) -> None:
    """Issue a visit authorization from now until a time."""
    from muster import clock
    from muster.access import passes

    with cli_session() as session:
        row = passes.issue_visit(
            session,
            person_id=person,
            host_id=host,
            purpose=purpose,
            zone_ids=zone,
            valid_from=clock.now(),
            valid_until=until if until.tzinfo else until.replace(tzinfo=UTC),
            actor=cli_actor(session),
        )
        console.print(f"Visit {row.id} issued.")


@hold_app.command("place")
def hold_place(
    person: str,
    reason: str = typer.Option(...),
    kind: HoldKind = typer.Option(HoldKind.PROVISIONAL),
) -> None:
    """Hold a person."""
    from muster.access import holds

    with cli_session() as session:
        row = holds.place_hold(
            session,
            person_id=person,
            kind=kind,
            reason=reason,
            actor=cli_actor(session),
        )
        console.print(f"Hold {row.id} placed.")


@hold_app.command("lift")
def hold_lift(hold_id: str, reason: str = typer.Option(...)) -> None:
    """Lift a hold."""
    from muster.access import holds

    with cli_session() as session:
        holds.lift_hold(session, hold_id=hold_id, reason=reason, actor=cli_actor(session))
        console.print(f"Hold {hold_id} lifted.")


@hold_app.command("list")
def hold_list(person: str | None = None, all_: bool = typer.Option(False, "--all")) -> None:
    """List open holds (or all with --all).

    Example: muster hold list --person B-1042 --all
    """
    from muster.access.hold_views import read_holds

    with cli_session(write=False) as session:
        holds, total = read_holds(
            session, actor=cli_actor(session), person=person, include_lifted=all_, limit=500
        )
        table = Table("Id", "Person", "Kind", "Reason", "Placed by", "Lifted")
        for h in holds:
            table.add_row(
                h.id,
                h.person_id,
                h.kind,
                h.reason,
                f"{h.placed_by} {h.placed_at:%H:%M}",
                h.lift_reason or "",
            )
        console.print(table)
        console.print(f"{total} hold(s).")


@presence_app.callback(invoke_without_command=True)
def presence_show(ctx: typer.Context) -> None:
    """Head counts by zone, affiliation and party."""
    from muster.access import presence

    if ctx.invoked_subcommand is not None:
        return
    with cli_session(write=False) as session:
        counts = presence.head_counts(session)
        console.print(f"Aboard: [bold]{counts.aboard}[/]  place unknown: {counts.unknown}")
        for title, data in [
            ("Zone", counts.by_zone),
            ("Affiliation", counts.by_affiliation),
            ("Party aboard", counts.by_party),
            ("Departed to vessel", counts.departed_by_party),
        ]:
            table = Table(title, "Count")
            for key, n in sorted(data.items()):
                table.add_row(key, str(n))
            console.print(table)


@presence_app.command("set")
def presence_set(person: str, zone_id: str, reason: str = typer.Option("")) -> None:
    """Record where a person has been seen."""
    from muster.access import presence

    with cli_session() as session:
        presence.set_presence(
            session,
            person_id=person,
            zone_id=zone_id,
            reason=reason,
            actor=cli_actor(session),
        )
        console.print("Place recorded.")


@rollcall_app.callback(invoke_without_command=True)
def rollcall_show(ctx: typer.Context, limit: int = typer.Option(100)) -> None:
    """Who is unaccounted for in the open roll call, with their last known place."""
    from muster.access import rollcall
    from muster.events.checkpoints import checkpoint_lines

    if ctx.invoked_subcommand is not None:
        return
    with cli_session(write=False) as session:
        report = rollcall.rollcall_report(session, limit=limit)
        console.print(
            f"Registered {report.registered}, accounted {report.accounted}, "
            f"[bold]unaccounted {report.unaccounted}[/]"
        )
        table = Table("Person", "Affiliation", "Last known place")
        for e in report.unaccounted_persons:
            table.add_row(e.name, e.affiliation, e.zone_name or "unknown")
        console.print(table)
        console.print("Record checkpoint:")
        for line in checkpoint_lines(report.record_checkpoint):
            console.print(f"  {line}", markup=False, soft_wrap=True)


@rollcall_app.command("start")
def rollcall_start(reason: str = typer.Option(...)) -> None:
    """Open a roll call."""
    from muster.access import rollcall

    with cli_session() as session:
        rollcall.start_rollcall(session, reason=reason, actor=cli_actor(session))
        console.print("Roll call open.")


@rollcall_app.command("mark")
def rollcall_mark(person: str, post: str) -> None:
    """Mark a person accounted for by a post."""
    from muster.access import rollcall

    with cli_session() as session:
        rollcall.mark_accounted(session, person_ref=person, post_id=post, actor=cli_actor(session))
        console.print("Accounted for.")
