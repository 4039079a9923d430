"""A situation report as Markdown and as PDF (fpdf2, pure Python)."""

from __future__ import annotations

import json
from typing import Any

from fpdf import FPDF

from muster.events.checkpoints import checkpoint_lines
from muster.incidents.models import Incident, Sitrep
from muster.posts.figures import post_figure_lines

CATEGORIES = ("immediate", "delayed", "minor", "expectant", "deceased")
SIDES = (("station", "Station"), ("visiting", "Visiting party"), ("unknown", "Unknown"))


def _title(incident: Incident, sitrep: Sitrep) -> str:
    which = f"Situation report {sitrep.number}" if sitrep.number else "Situation report (draft)"
    return f"{which}: incident {incident.number}, {incident.title}"


def figure_lines(figures: dict[str, Any]) -> list[str]:
    """The figures as plain lines, the same in every export."""
    lines = [
        f"Persons aboard: {figures.get('persons_aboard', 0)}",
        f"Visitors aboard: {figures.get('visitors_aboard', 0)}",
        f"Persons whose place is unknown: {figures.get('persons_place_unknown', 0)}",
    ]
    holds = figures.get("holds", {})
    lines.append(
        f"Holds: {holds.get('provisional', 0)} provisional, {holds.get('medical', 0)} medical"
    )
    casualties = figures.get("casualties", {})
    lines.append(f"Casualties: {casualties.get('total', 0)}")
    for key, label in SIDES:
        row = casualties.get("by_side", {}).get(key, {})
        cells = ", ".join(f"{row.get(c, 0)} {c}" for c in CATEGORIES)
        lines.append(f"  {label}: {sum(row.values()) if row else 0} ({cells})")
    for ward in figures.get("hospital", []):
        beds = ward["beds"]
        lines.append(
            f"Hospital, {ward['ward']}: {ward['patients']} patients; beds "
            + ", ".join(f"{n} {state}" for state, n in beds.items())
        )
    lines.append(
        f"Open tasks: {figures.get('tasks_open', 0)} ({figures.get('tasks_overdue', 0)} overdue)"
    )
    if "orders_unacknowledged" in figures:
        lines.append(f"Orders not acknowledged: {figures['orders_unacknowledged']}")
    if "agreement_terms_due" in figures:
        lines.append(f"Agreement terms due: {figures['agreement_terms_due']}")
    lines.extend(post_figure_lines(figures))
    return lines


CHECKPOINT_HEADING = "Record checkpoint"
_CHECKPOINT_NOTE = (
    "The record's newest signed head when these figures were taken. Keep it: "
    "muster audit verify --checkpoint FILE proves the record still extends it."
)


def checkpoint_json(figures: dict[str, Any]) -> str | None:
    """The carried checkpoint as the JSON ``muster audit verify --checkpoint`` reads."""
    signed = figures.get("record_checkpoint")
    return json.dumps(signed, indent=2) if signed else None


def _header(incident: Incident, sitrep: Sitrep) -> list[str]:
    lines = [
        f"Incident: {incident.number}, {incident.title} ({incident.kind})",
        f"Severity: {incident.severity.value}; status: {incident.status.value}",
        f"Location: {incident.location}",
        f"Figures as of: {sitrep.figures.get('as_of', '')}",
    ]
    if sitrep.published_at:
        lines.append(
            f"Published: {sitrep.published_at:%Y-%m-%d %H:%M} UTC by {sitrep.published_by}"
        )
    return lines


def _sections(sitrep: Sitrep) -> list[tuple[str, str]]:
    return [
        ("Situation", sitrep.situation or "(none written)"),
        ("Actions taken", sitrep.actions or "(none written)"),
        ("Plans", sitrep.plans or "(none written)"),
    ]


def to_markdown(incident: Incident, sitrep: Sitrep) -> str:
    """The report as Markdown."""
    out = [f"# {_title(incident, sitrep)}", ""]
    out += [f"- {line}" for line in _header(incident, sitrep)]
    out += ["", "## Figures", ""]
    out += [
        f"- {line.strip()}" if not line.startswith("  ") else f"  - {line.strip()}"
        for line in figure_lines(sitrep.figures)
    ]
    for heading, text in _sections(sitrep):
        out += ["", f"## {heading}", "", text]
    out += ["", f"## {CHECKPOINT_HEADING}", ""]
    signed = checkpoint_json(sitrep.figures)
    if signed is None:
        out += checkpoint_lines(sitrep.figures.get("record_checkpoint"))
    else:
        out += [_CHECKPOINT_NOTE, "", "```json", signed, "```"]
    return "\n".join(out) + "\n"


def _latin(text: str) -> str:
    # The core PDF fonts are Latin-1 only; anything else is replaced, never dropped silently.
    return text.encode("latin-1", "replace").decode("latin-1")


def to_pdf(incident: Incident, sitrep: Sitrep) -> bytes:
    """The report as a PDF document."""
    pdf = FPDF(format="A4")
    pdf.set_title(_latin(_title(incident, sitrep)))
    pdf.set_creator("Muster")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(0, 8, _latin(_title(incident, sitrep)), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    for line in _header(incident, sitrep):
        pdf.multi_cell(0, 5, _latin(line), new_x="LMARGIN", new_y="NEXT")
    blocks = [("Figures", "\n".join(figure_lines(sitrep.figures))), *_sections(sitrep)]
    for heading, text in blocks:
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 12)
        pdf.cell(0, 7, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=10)
        pdf.multi_cell(0, 5, _latin(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 7, CHECKPOINT_HEADING, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    pdf.multi_cell(0, 5, _CHECKPOINT_NOTE, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Courier", size=7)
    for line in checkpoint_lines(sitrep.figures.get("record_checkpoint")):
        pdf.multi_cell(0, 4, _latin(line), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
