"""``muster agreement ...`` at the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from muster.agreements import returns, service
from muster.agreements.enums import EvidenceKind, TermStatus
from muster.agreements.schemas import AgreementCreate, EvidenceIn
from muster.cli.common import cli_actor, cli_session, console

agreement_app = typer.Typer(help="Agreements, their terms and evidence.", no_args_is_help=True)


@agreement_app.command("record")
def record(json_file: Path) -> None:
    """Record an agreement and its terms from a JSON file (the API's AgreementCreate)."""
    data = AgreementCreate.model_validate_json(json_file.read_text())
    with cli_session() as session:
        row = service.record_agreement(session, data=data, actor=cli_actor(session))
        console.print(f"Agreement A-{row.number} recorded.")


@agreement_app.command("show")
def show(agreement: str) -> None:
    """An agreement's terms and their status."""
    with cli_session(write=False) as session:
        row = service.get_agreement(session, agreement)
        console.print(f"A-{row.number}  {row.title}  ({row.agreed_at:%Y-%m-%d})")
        for term in service.list_terms(session, row.id):
            console.print(f"  {term.number}. [{term.status.value}] {term.text}")


@agreement_app.command("status")
def set_status(
    agreement: str,
    term: int,
    status: TermStatus,
    reason: Annotated[str, typer.Option(help="Why the status changes")],
    evidence: Annotated[
        list[str], typer.Option(help="kind=ref, e.g. event=42, person=Zane, record=passage:<id>")
    ],
) -> None:
    """Change a term's status with evidence."""
    items = []
    for item in evidence:
        kind, _, ref = item.partition("=")
        items.append(EvidenceIn(kind=EvidenceKind(kind), ref=ref))
    with cli_session() as session:
        row = service.find_term(session, agreement, term)
        service.set_term_status(
            session,
            term_id=row.id,
            status=status,
            reason=reason,
            evidence=items,
            actor=cli_actor(session),
        )
        console.print(f"Term {term} {status.value}.")


@agreement_app.command("evaluate")
def evaluate(agreement: str, term: int) -> None:
    """Check a return term against the airlock and screening records."""
    with cli_session() as session:
        row = service.find_term(session, agreement, term)
        _term, progress = returns.evaluate_return_term(
            session, term_id=row.id, actor=cli_actor(session)
        )
        for p in progress:
            back = "back" if p.passage_id else "not back"
            screened = "screened" if p.screening_id else "not screened"
            console.print(f"  {p.name}: {back}, {screened}")
        console.print(f"Term {term} {row.status.value}.")
