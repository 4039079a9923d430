"""The promises P1-P7 as plain Python, from what was done and what the API answered.

Nothing here calls Muster: the oracle learns a fact only when the API accepted the act
that creates it, and counts a step only if the rules allow the one who took it. So a side
door (an act the API accepted that the rules forbid, or a permit the facts do not justify)
shows up as a broken promise, whatever path it came through.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

STATION_ROLES = {"admin", "commander", "officer", "guard", "medic", "welfare", "engineer"}
STATION_ROLES |= {"logistics", "liaison", "scribe", "observer", "device"}


@dataclass
class Human:
    """A person as the oracle knows them, across every record the registry gives them."""

    label: str
    affiliation: str
    record_ids: set[str] = field(default_factory=set)
    needs_consent: bool = False  # a resident's consent requirement, which follows them


@dataclass
class HoldFact:
    """A hold the API placed, open until a lift the API accepted."""

    id: str
    human: str
    kind: str
    placed_at: datetime
    open: bool = True


@dataclass
class ScreeningFact:
    """A screening the API recorded."""

    human: str
    kind: str
    result: str
    performed_at: datetime


@dataclass
class CaseFact:
    """A consent case and the steps the rules let count."""

    id: str
    human: str
    vessel: str
    interviewers: list[str] = field(default_factory=list)
    free_choice: set[str] = field(default_factory=set)
    concern: bool = False
    approvals: dict[str, str] = field(default_factory=dict)  # capacity -> officer
    ready_when_approved: bool = False  # screening clear and no hold at the approval
    ended: bool = False  # revoked, or a check-up where the person no longer wishes to go
    # The latest the pending check-up can be due: the time the approval (or the last
    # check-up) was answered plus the interval then in force. At or after it, overdue (P2).
    due_by: datetime | None = None


@dataclass
class VisitFact:
    """A visit the API issued: its window and zones."""

    human: str
    zones: frozenset[str]
    valid_from: datetime
    valid_until: datetime


@dataclass
class Oracle:
    """The facts the rules decide on, and the promises checked against answers."""

    humans: dict[str, Human] = field(default_factory=dict)
    holds: dict[str, HoldFact] = field(default_factory=dict)
    screenings: list[ScreeningFact] = field(default_factory=list)
    cases: dict[str, CaseFact] = field(default_factory=dict)
    visits: list[VisitFact] = field(default_factory=list)
    modes: dict[str, str] = field(default_factory=dict)
    broken: list[str] = field(default_factory=list)

    def breach(self, promise: str, text: str) -> None:
        """Record a broken promise (the machine fails on the first)."""
        self.broken.append(f"{promise}: {text}")

    def human_of(self, record_id: str) -> Human | None:
        """The human a person record belongs to (None: not one of the oracle's subjects)."""
        return next((h for h in self.humans.values() if record_id in h.record_ids), None)

    # ---- holds and screenings (P1, P4) ----

    def latest(self, human: str) -> dict[str, ScreeningFact]:
        """The latest screening of each kind, by when it was performed."""
        found: dict[str, ScreeningFact] = {}
        for s in sorted(self.screenings, key=lambda s: s.performed_at):
            if s.human == human:
                found[s.kind] = s
        return found

    def held(self, human: str) -> bool:
        """Under a hold: one the API placed and nobody lifted by the rules, or a latest
        screening that is not negative (an inconclusive result holds, P4)."""
        if any(h.open for h in self.holds.values() if h.human == human):
            return True
        return any(s.result != "negative" for s in self.latest(human).values())

    def clear_since(self, human: str, moment: datetime) -> bool:
        """Every latest result negative, and a negative nanite screening taken after
        ``moment`` (the hold's placing): what a medical lift needs."""
        latest = self.latest(human)
        if not latest or any(s.result != "negative" for s in latest.values()):
            return False
        return any(
            s.human == human
            and s.kind == "nanite"
            and s.result == "negative"
            and s.performed_at > moment
            for s in self.screenings
        )

    def lifted(self, hold_id: str, *, roles: frozenset[str]) -> None:
        """The API lifted a hold, by whichever path: check P1 and P4, then forget the hold.

        A medical hold: a medic, on a clear screening taken after it was placed (P4). A
        provisional hold: the commander, an officer or an administrator, or a medic on
        such a screening; nobody else (P1).
        """
        hold = self.holds.get(hold_id)
        if hold is None or not hold.open:
            return
        command = hold.kind == "provisional" and roles & {"commander", "officer", "admin"}
        if not command and "medic" not in roles:
            self.breach("P1/P4", f"a {hold.kind} hold on {hold.human} lifted by {sorted(roles)}")
        if not command and not self.clear_since(hold.human, hold.placed_at):
            self.breach(
                "P4",
                f"a {hold.kind} hold on {hold.human} lifted without a clear screening "
                "taken after it was placed",
            )
        hold.open = False

    def guarded(self, human: str) -> bool:
        """Held, or in a consent case not revoked or ended: changing who they are
        (affiliation, party, badge, archive, registering them again) is the commander's
        alone and alerted, and the holds and cases follow them (P1, P2)."""
        open_case = any(c.human == human and not c.ended for c in self.cases.values())
        return self.held(human) or open_case

    # ---- consent cases (P2) ----

    def cooling_off(self, human: str, vessel: str) -> bool:
        """An earlier case of this person for this vessel found doubt or coercion."""
        return any(c.concern for c in self.cases.values() if (c.human, c.vessel) == (human, vessel))

    def interviewed(self, case: CaseFact, officer: str, roles: frozenset[str], wish: str) -> None:
        """The API accepted an interview: count it if the rules let this officer hold it."""
        if "welfare" not in roles or officer in case.interviewers:
            self.breach("P2", f"an interview of {case.human} by {officer} {sorted(roles)}")
            return
        case.interviewers.append(officer)
        if wish == "free_choice":
            case.free_choice.add(officer)
        else:
            case.concern = True

    def approved(self, case: CaseFact, officer: str, roles: frozenset[str], capacity: str) -> None:
        """The API accepted an approval: count it if the rules let this officer give it."""
        if (
            capacity not in roles
            or officer in case.interviewers
            or officer in case.approvals.values()
        ):
            self.breach("P2", f"{officer} {sorted(roles)} approved the case of {case.human}")
            return
        case.approvals[capacity] = officer
        if len(case.approvals) == 2:
            nanite = self.latest(case.human).get("nanite")
            case.ready_when_approved = (
                nanite is not None and nanite.result == "negative" and not self.held(case.human)
            )

    def consent_ok(self, human: str, vessel: str, at: datetime) -> bool:
        """An approved, unrevoked case of this person for this vessel, by the rules, whose
        check-up was not overdue at ``at`` (the moment before the request was sent)."""
        return any(
            c.human == human
            and c.vessel == vessel
            and c.due_by is not None
            and c.due_by > at
            and len(c.free_choice) >= 2
            and not c.concern
            and set(c.approvals) == {"welfare", "commander"}
            and c.ready_when_approved
            and not c.ended
            and not any(o.concern for o in self.cases.values() if o is not c and o.human == human)
            for c in self.cases.values()
        )

    # ---- visits (P3) ----

    def visit_zones(self, human: str, at: datetime) -> set[str]:
        """The zones a current visit of the person allows."""
        zones: set[str] = set()
        for v in self.visits:
            if v.human == human and v.valid_from <= at < v.valid_until:
                zones |= v.zones
        return zones
