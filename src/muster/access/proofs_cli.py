"""``muster policy prove [DRAFT]``: prove the safety properties for a policy."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from muster.access.proofs import FAILED, PROVED, ProofResult
from muster.access.proofs_service import prove_text, prove_version, result_as_dict
from muster.cli.common import cli_session, console, fail
from muster.errors import DomainError

MARKS = {PROVED: "[green]PROVED[/]", FAILED: "[red]FAILED[/]"}


def print_results(results: list[ProofResult], version: str) -> None:
    """Each property's outcome and, for a failure, the rules that could still decide."""
    for r in results:
        mark = MARKS.get(r.status, "[yellow]SKIPPED[/]")
        console.print(f"{mark} {r.property_id}: {r.says}", highlight=False)
        if not r.proved:
            console.print(f"    {r.explanation}", markup=False, highlight=False)
        for failure in r.failures:
            for residual in failure.residuals:
                console.print(f"    {residual.cedar}", markup=False, highlight=False)
    proved = sum(r.proved for r in results)
    failed = sum(r.blocks_activation for r in results)
    console.print(f"{proved} proved, {failed} failed, {len(results)} properties (policy {version})")


def prove_command(
    draft: Path | None = typer.Argument(None, help="A draft policy file (default: the active one)"),
    version: str = typer.Option("active", help='"active", "shipped", id or number'),
    as_json: bool = typer.Option(False, "--json", help="Print the results as JSON"),
) -> None:
    """Prove every safety property for the active policy, a version or a draft; exit 1 if
    one fails."""
    try:
        if draft is not None:
            name, results = str(draft), prove_text(draft.read_text())
        else:
            with cli_session(write=False) as session:
                name, results = prove_version(session, version)
    except DomainError as exc:
        fail(exc.message)
        return
    if as_json:
        data = {"version": name, "results": [result_as_dict(r) for r in results]}
        console.print_json(json.dumps(data))
    else:
        print_results(results, name)
    if any(r.blocks_activation for r in results):
        raise typer.Exit(1)
