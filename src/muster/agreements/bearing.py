"""Which evidence bears on which kind of term.

A term's status rests on evidence, and evidence proves something only about the terms it
concerns: a screening says nothing about whether a vessel stayed in orbit. Each term kind
names the event kinds and records that can prove it; anything else is refused with the
kinds that would do. A ``return`` term is stricter still: its evidence must be about the
persons it lists (their airlock passages back aboard and their screenings).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from muster.agreements.enums import EvidenceKind, TermKind
from muster.agreements.models import AgreementTerm
from muster.errors import Invalid


@dataclass(frozen=True)
class Bearing:
    """What can prove a term of one kind: event kinds (by prefix), records, persons."""

    events: tuple[str, ...]  # prefixes of event kinds; () with records=() means anything
    records: tuple[str, ...]
    persons: bool
    what: str  # what proves it, in words, for the refusal
    anything: bool = False


BEARINGS: dict[TermKind, Bearing] = {
    TermKind.GENERAL: Bearing((), (), True, "any record", anything=True),
    TermKind.RETURN: Bearing(
        ("access.passage.recorded", "medical.screening.recorded", "agreements.return_request."),
        ("passage", "screening", "return_request"),
        True,
        "the listed persons' airlock passages back aboard and their screenings",
    ),
    TermKind.ORBIT: Bearing(
        ("vessels.manoeuvre.", "vessels.observation.", "vessels.baseline."),
        (),
        False,
        "the vessel watch: its observations, baselines and manoeuvre alarms",
    ),
    TermKind.CONSENT: Bearing(
        ("welfare.case.", "welfare.checkup.", "medical.screening.recorded"),
        ("consent_case", "checkup", "screening", "return_request"),
        True,
        "the persons' consent cases, check-ups and screenings",
    ),
    TermKind.VISIT: Bearing(
        ("access.visit.", "access.passage.recorded", "access.decided"),
        ("passage", "decision"),
        True,
        "the visitor's visit, airlock decisions and passages aboard",
    ),
}


def _refuse(term: AgreementTerm, label: str, bearing: Bearing) -> Invalid:
    records = ", ".join(f"{r}:<id>" for r in bearing.records) or "none"
    events = ", ".join(f"{e}*" if e.endswith(".") else e for e in bearing.events)
    return Invalid(
        f"{label} does not bear on term {term.number} ({term.kind.value}); it is proven by "
        f"{bearing.what} (events {events}; records {records}"
        f"{'; persons' if bearing.persons else ''})"
    )


def check_bears(
    term: AgreementTerm,
    *,
    kind: EvidenceKind,
    label: str,
    event_kind: str = "",
    record_kind: str = "",
    persons: list[str] | None = None,
) -> None:
    """Raise Invalid unless a piece of evidence bears on ``term``.

    ``persons`` are the persons the evidence is about (the person itself, a record's
    person, an event's subjects); a return term needs one of its listed persons among them.
    """
    bearing = BEARINGS[term.kind]
    if bearing.anything:
        return
    if kind is EvidenceKind.EVENT and not event_kind.startswith(bearing.events):
        raise _refuse(term, label, bearing)
    if kind is EvidenceKind.RECORD and record_kind not in bearing.records:
        raise _refuse(term, label, bearing)
    if kind is EvidenceKind.PERSON and not bearing.persons:
        raise _refuse(term, label, bearing)
    if term.kind is TermKind.RETURN and not set(persons or ()) & set(term.person_ids):
        raise Invalid(
            f"{label} is not about a person term {term.number} lists; give the passages, "
            "screenings or return requests of those to be returned"
        )


def record_persons(row: Any) -> list[str]:
    """The person a record is about, if it names one."""
    person_id = getattr(row, "person_id", None)
    return [person_id] if person_id else []
