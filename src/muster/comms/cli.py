"""``muster comms``: channels, orders, boards, escalation, PA and CAP from the command line."""

from __future__ import annotations

from pathlib import Path

import typer

from muster import clock
from muster.cli.common import cli_actor, cli_session, console
from muster.comms import cap, reading, service, tts
from muster.comms.enums import MessageKind, Precedence
from muster.comms.escalation import escalate_due
from muster.events.checkpoints import checkpoint_lines

comms_app = typer.Typer(help="Orders, acknowledgements and escalation.", no_args_is_help=True)


@comms_app.command("channels")
def list_channels() -> None:
    """List channels and their membership rules."""
    with cli_session(write=False) as session:
        rows, _ = reading.channels_for(session, actor=cli_actor(session), limit=500)
        for channel in rows:
            console.print(f"{channel.id}  {channel.name}  [{channel.kind.value}]  {channel.rule}")


@comms_app.command("send")
def send(
    channel: str = typer.Argument(..., help="Channel name or id"),
    text: str = typer.Argument(...),
    precedence: Precedence = typer.Option(Precedence.ROUTINE, help="flash, immediate, ..."),
    roll_call: bool = typer.Option(False, help="Every recipient must answer"),
) -> None:
    """Send a message. Example: muster comms send 'All stations' 'All posts report' --roll-call"""
    with cli_session() as session:
        found = service.find_channel(session, channel)
        message = service.send_message(
            session,
            channel_id=found.id,
            precedence=precedence,
            text=text,
            kind=MessageKind.ROLL_CALL if roll_call else MessageKind.MESSAGE,
            actor=cli_actor(session),
        )
        console.print(f"Sent {message.id} ({precedence.value}); due {message.due_at or 'never'}")


@comms_app.command("board")
def board(message_id: str) -> None:
    """Show who answered a message or roll call, who is late, and the result."""
    with cli_session(write=False) as session:
        result = reading.board_for(session, actor=cli_actor(session), message_id=message_id)
        for row in result.rows:
            console.print(f"{row.status:9} {row.name:30} {row.post or ''}")
        console.print(f"{result.answered} answered, {result.late} late: {result.result.value}")
        console.print("Record checkpoint:")
        for line in checkpoint_lines(result.record_checkpoint):
            console.print(f"  {line}", markup=False, soft_wrap=True)


@comms_app.command("escalate")
def escalate() -> None:
    """Run escalations that are due now (the server does this by itself four times a second)."""
    with cli_session() as session:
        steps = escalate_due(session, now=clock.now())
        console.print(f"{len(steps)} message(s) escalated")


@comms_app.command("announce")
def announce(text: str, out: Path = typer.Option(None, help="Also write the WAV here")) -> None:
    """Speak a public-address announcement with espeak-ng."""
    with cli_session() as session:
        row = tts.announce(session, text=text, actor=cli_actor(session))
        if out is not None:
            out.write_bytes(row.audio)
        console.print(f"Announcement {row.id}: {len(row.audio)} bytes of WAV")


@comms_app.command("cap-export")
def cap_export(message_id: str) -> None:
    """Print a message as an OASIS CAP 1.2 alert."""
    with cli_session(write=False) as session:
        typer.echo(
            reading.cap_for(session, actor=cli_actor(session), message_id=message_id).decode()
        )


@comms_app.command("cap-import")
def cap_import(path: Path) -> None:
    """Accept a CAP 1.2 alert file as a broadcast message."""
    with cli_session() as session:
        message, new = cap.import_cap(session, xml=path.read_bytes(), actor=cli_actor(session))
        console.print(f"{'Accepted' if new else 'Already accepted'} as message {message.id}")
