"""``muster audit ...``: check the record, sign its head, and prove what is in it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from muster.cli.common import cli_session, console, domain_errors, fail
from muster.errors import Invalid
from muster.events import checkpoints
from muster.events.rows import verify_projection
from muster.events.service import verify_chain
from muster.events.signing import (
    SignedCheckpoint,
    generate_key,
    key_id,
    load_public_key,
    public_key_pem,
)

audit_app = typer.Typer(
    help="Check the tamper-evident record, sign checkpoints and prove events.",
    no_args_is_help=True,
)

CheckpointFile = Annotated[
    Path | None,
    typer.Option(
        "--checkpoint",
        help="A checkpoint file kept outside the database (muster audit checkpoint --out).",
    ),
]
PublicKeyFile = Annotated[
    Path | None,
    typer.Option(
        "--public-key",
        help="The station's public key (PEM); default: the key in MUSTER_CHECKPOINT_KEY_FILE.",
    ),
]


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}")
    except ValueError as exc:
        fail(f"{path} is not JSON: {exc}")


def _public_key(path: Path | None) -> Any:
    if path is not None:
        return load_public_key(path)
    with domain_errors():
        key = checkpoints.configured_key()
    if key is None:
        fail(
            "name the station's public key with --public-key FILE "
            "(or set MUSTER_CHECKPOINT_KEY_FILE)"
        )
    return key.public_key()


def _write_or_print(data: dict[str, Any], out: Path | None) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False)
    if out is None:
        typer.echo(text)
        return
    try:
        out.write_text(text + "\n")
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror}")
    console.print(f"Written to {out}.")


@audit_app.command("verify")
def audit_verify(checkpoint: CheckpointFile = None, public_key: PublicKeyFile = None) -> None:
    """Recompute the hash chain and compare the tables with the record; name what differs.

    The tables the airlocks decide on (holds, passes, cases, custody, accounts, ...) are
    replayed from the record of row versions and compared with the live rows: a row
    altered, added or deleted by hand is named, with the event that last wrote it.
    With --checkpoint, also prove that the log still extends what that signed checkpoint
    saw: a cut tail, a deleted or reordered event, or a rewrite with recomputed hashes fail.

    Examples:
      muster audit verify
      muster audit verify --checkpoint head-0900.json --public-key station.pub
    """
    signed, public = None, None
    if checkpoint is not None:
        with domain_errors():
            signed = SignedCheckpoint.from_dict(_read_json(checkpoint))
            public = _public_key(public_key)
    with cli_session(write=False) as session:
        report = verify_chain(session)
        outcome = None
        if report.ok and signed is not None and public is not None:
            outcome = checkpoints.verify_against_checkpoint(
                session, checkpoint=signed, public=public
            )
        tables = verify_projection(session) if report.ok else None
    if not report.ok:
        fail(
            f"chain broken at event {report.first_bad_seq}: {report.problem} "
            f"({report.checked} events before it verified)"
        )
    console.print(f"[green]Chain verified:[/] {report.checked} events, none altered.")
    if signed is not None and outcome is not None:
        if not outcome.ok:
            fail(
                f"the log does not extend the checkpoint of {outcome.size} events: "
                f"{outcome.problem}"
            )
        console.print(
            f"[green]Checkpoint verified:[/] the log extends the {signed.size} events signed "
            f"at {signed.at} by key {signed.key_id}."
        )
    if tables is not None and not tables.ok:
        fail(f"the tables differ from the record: {tables.problem}")
    rows = tables.rows if tables is not None else 0
    console.print(
        f"[green]Tables verified:[/] {rows} rows the airlocks decide on match the record."
    )


@audit_app.command("keygen")
def audit_keygen(
    path: Annotated[Path, typer.Argument(help="Where to write the private key (mode 0600)")],
) -> None:
    """Create the Ed25519 key that signs checkpoints; print its public key.

    Keep the file outside the database, readable by the service's user only, and set
    MUSTER_CHECKPOINT_KEY_FILE to it. Give the public key to investigators.

    Example: muster audit keygen /etc/muster/checkpoint.key > station.pub
    """
    with domain_errors():
        public = generate_key(path)
    typer.echo(public_key_pem(public), nl=False)
    typer.echo(f"key id {key_id(public)}; private key written to {path}", err=True)


@audit_app.command("checkpoint")
def audit_checkpoint(
    out: Annotated[Path | None, typer.Option("--out", help="Write the checkpoint here")] = None,
    latest: Annotated[
        bool, typer.Option("--latest", help="Export the newest stored checkpoint; sign nothing")
    ] = False,
) -> None:
    """Sign the log's head now (or export the newest checkpoint) as JSON to keep elsewhere.

    Examples:
      muster audit checkpoint --out head.json
      muster audit checkpoint --latest
    """
    if latest:
        with cli_session(write=False) as session:
            found = checkpoints.latest_checkpoint(session)
        if found is None:
            fail("no checkpoint has been signed yet: run muster audit checkpoint")
        _write_or_print(found.to_dict(), out)
        return
    with domain_errors():
        key = checkpoints.configured_key()
    if key is None:
        fail("set MUSTER_CHECKPOINT_KEY_FILE to the signing key (muster audit keygen FILE)")
    with cli_session() as session:
        signed = checkpoints.create_checkpoint(session, key=key)
    _write_or_print(signed.to_dict(), out)


@audit_app.command("prove")
def audit_prove(
    seq: Annotated[int | None, typer.Argument(help="Sequence number of the event to prove")] = None,
    consistency: Annotated[
        tuple[int, int] | None,
        typer.Option("--consistency", help="Sizes of two stored checkpoints, older first"),
    ] = None,
    checkpoint: CheckpointFile = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the proof here")] = None,
) -> None:
    """Prove that an event is in the log, or that one checkpoint extends another.

    The proof is JSON an investigator checks offline with `muster audit check`.

    Examples:
      muster audit prove 412 --out decision-412.json
      muster audit prove --consistency 400 1111
    """
    if (seq is None) == (consistency is None):
        fail("give either an event's sequence number or --consistency FIRST SECOND")
    with domain_errors():
        signed = SignedCheckpoint.from_dict(_read_json(checkpoint)) if checkpoint else None
    with cli_session(write=False) as session:
        if consistency is not None:
            proof = checkpoints.consistency_proof(
                session, first=consistency[0], second=consistency[1]
            )
        else:
            assert seq is not None
            proof = checkpoints.inclusion_proof(session, seq=seq, checkpoint=signed)
    _write_or_print(proof, out)


@audit_app.command("check")
def audit_check(
    proof: Annotated[Path, typer.Argument(help="A proof file from muster audit prove")],
    public_key: PublicKeyFile = None,
) -> None:
    """Check a proof offline, with no database: its checkpoints' signatures and its path.

    Example: muster audit check decision-412.json --public-key station.pub
    """
    with domain_errors():
        public = _public_key(public_key)
    try:
        what = checkpoints.check_proof(_read_json(proof), public=public)
    except Invalid as exc:
        fail(f"the proof does not hold: {exc}")
    console.print(f"[green]Proof holds:[/] {what}.")
