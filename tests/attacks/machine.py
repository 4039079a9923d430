"""The attacker: a hypothesis state machine driving the API and the CLI as every role.

Each rule is one act by one operator, chosen among all of them (those the rules allow and
those they do not); the oracle (``attacks.oracle``) learns what the API accepted and,
after every step, the promises are checked against every answer: permits at the
airlocks and doors, passages, lifts, approvals, the record's attribution, activation.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule
from typer.testing import CliRunner

from attacks.oracle import (
    CaseFact,
    HoldFact,
    Human,
    Oracle,
    ScreeningFact,
    VisitFact,
)
from attacks.world import Operator, World, expect
from muster.cli.main import app as cli_app
from muster.welfare.settings import get_welfare_settings

EVERYONE = [
    "welfare-1",
    "welfare-2",
    "welfare-3",
    "commander",
    "medic",
    "guard",
    "officer",
    "admin",
    "observer",
    "device",
    "visitor",
]
SUBJECTS = ["ana", "ben", "vic"]
AFFILIATIONS = ["resident", "crew", "visitor"]
INTERVAL_ENV = "MUSTER_WELFARE_CHECKUP_INTERVAL_DAYS"


def when(text: str) -> datetime:
    """A time the API answered."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def now() -> datetime:
    """The wall clock (the app runs on it: nothing here freezes time)."""
    return datetime.now(UTC)


class AttackMachine(RuleBasedStateMachine):
    """Every role tries every act; after each step, P1-P7 hold by the oracle's account."""

    world: World  # set by the test, shared by the examples of one run

    def __init__(self) -> None:
        super().__init__()
        self.oracle = Oracle()
        self.tag = uuid.uuid4().hex[:6]
        self.ops: dict[str, Operator] = dict(self.world.operators)
        self.records: dict[str, str] = {}  # subject -> its current person record id
        self.badges: dict[str, str] = {}
        self.cases: list[str] = []
        self.holds: list[str] = []
        self.permits: list[tuple[str, str, str]] = []  # (portal, direction, record)
        self.acting: set[str] = set()  # token ids of this step's operators
        self.by_cli = False
        self.messages: list[str] = []  # orders and roll calls the API accepted
        self.channels: dict[str, str] = {}  # this example's own channels

    # ---- the example's subjects ----

    @initialize()
    def subjects(self) -> None:
        """Two residents and a visitor of the docked vessel, with the visitor's account."""
        w = self.world
        commander = self.ops["commander"].client
        for portal in ("airlock", "door"):
            body = {"mode": "normal", "reason": "attack setup"}
            expect(commander.put(f"/api/v1/portals/{w.ids[portal]}/mode", json=body), 200)
            self.oracle.modes[portal] = "normal"
        for label, affiliation, zone in [
            ("ana", "resident", "south"),
            ("ben", "resident", "south"),
            ("vic", "visitor", "collar"),
        ]:
            badge = f"B-{label}-{self.tag}"
            extra: dict[str, Any] = {"badge_id": badge}
            if affiliation == "visitor":
                extra["party_id"] = w.ids["vessel"]
            row = w.person(f"{label.title()} {self.tag}", affiliation, zone, **extra)
            self.records[label], self.badges[label] = row["id"], badge
            self.oracle.humans[label] = Human(
                label, affiliation, {row["id"]}, needs_consent=affiliation == "resident"
            )
        w.place(self.ops["guard"].person_id or "", "collar")  # the visitor's escort
        self.ops["visitor"] = self._visitor_account()
        self.world.new_events()  # the setup's own events are not a step's

    def _visitor_account(self) -> Operator:
        """The visitor's account, with no station role (tests/attacks/test_attacks.py asks
        for one, which P6 refuses a visitor)."""
        admin = self.world.admin
        username = f"vic-{self.tag}"
        body = {
            "username": username,
            "display_name": username,
            "roles": ["commander"],
            "password": "correct horse battery",
            "person_id": self.records["vic"],
        }
        roles: list[str] = []
        expect(admin.post("/api/v1/accounts", json={**body, "roles": roles}), 201)
        token = expect(
            admin.post("/api/v1/tokens", json={"name": f"t-{username}", "username": username}),
            201,
        )
        client = self.world.new_client(token["token"])
        return Operator("visitor", client, token["id"], token["account_id"], frozenset(roles))

    # ---- helpers ----

    def act(self, label: str) -> Operator:
        """The operator taking this step (their events must name them, P5)."""
        op = self.ops[label]
        self.acting.add(op.token_id)
        return op

    def cli(self, *args: str) -> bool:
        """Run ``muster ARGS`` as the shell user; True if it succeeded."""
        self.by_cli = True
        result = CliRunner().invoke(cli_app, list(args))
        return result.exit_code == 0

    def subject(self, label: str) -> Human:
        return self.oracle.humans[label]

    @contextmanager
    def checkups_due_at_once(self, due_at_once: bool) -> Iterator[timedelta]:
        """Take a step with the check-up interval at zero, so the check-up it schedules is
        overdue the moment after (a week gone by without waiting for it); yields the
        interval in force."""
        if not due_at_once:
            yield get_welfare_settings().checkup_interval
            return
        os.environ[INTERVAL_ENV] = "0"
        get_welfare_settings.cache_clear()
        try:
            yield timedelta(0)
        finally:
            del os.environ[INTERVAL_ENV]
            get_welfare_settings.cache_clear()

    # ---- holds and screenings ----

    @rule(
        who=st.sampled_from(EVERYONE),
        subject=st.sampled_from(SUBJECTS),
        kind=st.sampled_from(["provisional", "medical"]),
    )
    def place_hold(self, who: str, subject: str, kind: str) -> None:
        """Hold a person."""
        body = {"person": self.records[subject], "kind": kind, "reason": "attack"}
        resp = self.act(who).client.post("/api/v1/holds", json=body)
        if resp.status_code == 201:
            row = resp.json()
            self.oracle.holds[row["id"]] = HoldFact(
                row["id"], subject, kind, when(row["placed_at"])
            )
            self.holds.append(row["id"])

    @precondition(lambda self: self.holds)
    @rule(
        who=st.sampled_from(EVERYONE),
        pick=st.integers(0, 50),
        path=st.sampled_from(["access", "medical", "cli"]),
    )
    def lift_hold(self, who: str, pick: int, path: str) -> None:
        """Lift a hold by the access API, the medical API or the CLI."""
        hold_id = self.holds[pick % len(self.holds)]
        body = {"reason": "attack lift"}
        if path == "cli":
            ok = self.cli("hold", "lift", hold_id, "--reason", "attack lift")
            roles = frozenset({"admin"})
        else:
            url = "/api/v1/holds" if path == "access" else "/api/v1/medical/holds"
            op = self.act(who)
            ok = op.client.post(f"{url}/{hold_id}/lift", json=body).status_code == 200
            roles = op.roles
        if ok:
            self.oracle.lifted(hold_id, roles=roles)

    @rule(
        who=st.sampled_from(["medic", "medic", *EVERYONE]),
        subject=st.sampled_from(SUBJECTS),
        result=st.sampled_from(["negative", "negative", "positive", "inconclusive"]),
        ago=st.sampled_from([0, 0, 90]),
    )
    def screen(self, who: str, subject: str, result: str, ago: int) -> None:
        """Record a nanite screening, now or taken some minutes ago."""
        body: dict[str, Any] = {
            "person_id": self.records[subject],
            "kind": "nanite",
            "result": result,
            "method": "blood panel",
        }
        if ago:
            body["performed_at"] = (now() - timedelta(minutes=ago)).isoformat()
        asked = now()
        resp = self.act(who).client.post("/api/v1/medical/screenings", json=body)
        if resp.status_code != 201:
            return
        answer = resp.json()
        performed = when(answer["screening"]["performed_at"])
        self.oracle.screenings.append(ScreeningFact(subject, "nanite", result, performed))
        placed = answer.get("holds_placed") or []
        if placed:  # a provisional hold confirmed as medical is replaced by the new one
            for hold in self.oracle.holds.values():
                if hold.human == subject and hold.kind == "provisional":
                    hold.open = False
        for hold_id in placed:
            self.oracle.holds[hold_id] = HoldFact(hold_id, subject, "medical", asked)
            self.holds.append(hold_id)

    # ---- consent cases ----

    @rule(who=st.sampled_from(EVERYONE), subject=st.sampled_from(SUBJECTS))
    def open_case(self, who: str, subject: str) -> None:
        """Open a consent case for the docked vessel."""
        body = {"person_id": self.records[subject], "vessel_party_id": self.world.ids["vessel"]}
        resp = self.act(who).client.post("/api/v1/welfare/cases", json=body)
        if resp.status_code == 201:
            case_id = resp.json()["id"]
            self.oracle.cases[case_id] = CaseFact(case_id, subject, "vessel")
            self.cases.append(case_id)

    @precondition(lambda self: self.cases)
    @rule(
        who=st.sampled_from(["welfare-1", "welfare-2", "welfare-3", *EVERYONE]),
        pick=st.integers(0, 50),
        assessment=st.sampled_from(["free_choice", "free_choice", "doubtful", "coerced"]),
    )
    def interview(self, who: str, pick: int, assessment: str) -> None:
        """Record an interview."""
        case = self.oracle.cases[self.cases[pick % len(self.cases)]]
        body = {"stated_wish": "I want to go.", "assessment": assessment}
        op = self.act(who)
        resp = op.client.post(f"/api/v1/welfare/cases/{case.id}/interviews", json=body)
        if resp.status_code == 201:
            self.oracle.interviewed(case, who, op.roles, assessment)

    @precondition(lambda self: self.cases)
    @rule(who=st.sampled_from(EVERYONE), pick=st.integers(0, 50))
    def screening_step(self, who: str, pick: int) -> None:
        """Record the screening a case relies on."""
        case_id = self.cases[pick % len(self.cases)]
        self.act(who).client.post(f"/api/v1/welfare/cases/{case_id}/screening")

    @precondition(lambda self: self.cases)
    @rule(
        who=st.sampled_from(["welfare-3", "commander", *EVERYONE]),
        pick=st.integers(0, 50),
        capacity=st.sampled_from(["welfare", "commander"]),
        by_cli=st.booleans(),
        overdue=st.booleans(),
    )
    def approve(self, who: str, pick: int, capacity: str, by_cli: bool, overdue: bool) -> None:
        """Approve a case through the API, or at the shell naming an officer (``--as``);
        perhaps with its first check-up falling due at once (P2: overdue, it lets no one out)."""
        case = self.oracle.cases[self.cases[pick % len(self.cases)]]
        with self.checkups_due_at_once(overdue) as interval:
            if by_cli:
                ok = self.cli("welfare", "approve", case.id, capacity, "--as", who)
                roles = frozenset({"admin"})  # the shell user, whoever they name
            else:
                op = self.act(who)
                body = {"capacity": capacity}
                resp = op.client.post(f"/api/v1/welfare/cases/{case.id}/approvals", json=body)
                ok, roles = resp.status_code == 201, op.roles
        if ok:
            self.oracle.approved(case, "shell" if by_cli else who, roles, capacity)
            if len(case.approvals) == 2:
                case.due_by = now() + interval

    @rule(who=st.sampled_from(EVERYONE), subject=st.sampled_from(SUBJECTS))
    def revoke(self, who: str, subject: str) -> None:
        """The person withdraws consent."""
        body = {"person_id": self.records[subject], "statement": "I stay."}
        resp = self.act(who).client.post("/api/v1/welfare/revocations", json=body)
        if resp.status_code == 200:
            for case in self.oracle.cases.values():
                if case.human == subject:
                    case.ended = True

    @precondition(lambda self: self.cases)
    @rule(
        who=st.sampled_from(EVERYONE),
        pick=st.integers(0, 50),
        wishes=st.booleans(),
        overdue=st.booleans(),
    )
    def checkup(self, who: str, pick: int, wishes: bool, overdue: bool) -> None:
        """A check-up: the person still wishes to go (the next one is due an interval on,
        perhaps at once), or no longer does."""
        case = self.oracle.cases[self.cases[pick % len(self.cases)]]
        body = {"still_wishes_to_stay": wishes, "statement": "check-up"}
        url = f"/api/v1/welfare/cases/{case.id}/checkups"
        with self.checkups_due_at_once(overdue) as interval:
            resp = self.act(who).client.post(url, json=body)
        if resp.status_code == 201 and not wishes:
            case.ended = True
        elif resp.status_code == 201:
            case.due_by = now() + interval

    # ---- passes, visits, modes ----

    def _window(self) -> dict[str, str]:
        start = now() - timedelta(minutes=1)
        return {
            "valid_from": start.isoformat(),
            "valid_until": (start + timedelta(hours=2)).isoformat(),
        }

    @rule(who=st.sampled_from(EVERYONE), subject=st.sampled_from(SUBJECTS))
    def duty_pass(self, who: str, subject: str) -> None:
        """Issue a duty pass (it never lets a resident out to the vessel, P2)."""
        body = {"person": self.records[subject], "purpose": "hull work", **self._window()}
        self.act(who).client.post("/api/v1/duty-passes", json=body)

    @rule(who=st.sampled_from(EVERYONE), subject=st.sampled_from(SUBJECTS))
    def grant_transfer(self, who: str, subject: str) -> None:
        """Try to grant a transfer directly (the oracle never counts it: facts are derived)."""
        body = {
            "person": self.records[subject],
            "vessel_party_id": self.world.ids["vessel"],
            **self._window(),
        }
        self.act(who).client.post("/api/v1/transfer-authorizations", json=body)

    @rule(who=st.sampled_from(EVERYONE), zones=st.sets(st.sampled_from(["south", "hospital"])))
    def visit(self, who: str, zones: set[str]) -> None:
        """Issue the visitor a visit to some zones."""
        body = {
            "person": self.records["vic"],
            "host": self.ops["medic"].person_id,
            "purpose": "joint work",
            "zone_ids": [self.world.ids[z] for z in sorted(zones)],
            **self._window(),
        }
        resp = self.act(who).client.post("/api/v1/visits", json=body)
        if resp.status_code == 201:
            row = resp.json()
            self.oracle.visits.append(
                VisitFact(
                    "vic", frozenset(zones), when(row["valid_from"]), when(row["valid_until"])
                )
            )

    @rule(
        who=st.sampled_from(EVERYONE),
        portal=st.sampled_from(["airlock", "door"]),
        mode=st.sampled_from(["normal", "lockdown", "evacuation", "maintenance"]),
    )
    def set_mode(self, who: str, portal: str, mode: str) -> None:
        """Change a portal's mode."""
        body = {"mode": mode, "reason": "attack"}
        resp = self.act(who).client.put(f"/api/v1/portals/{self.world.ids[portal]}/mode", json=body)
        if resp.status_code == 200:
            self.oracle.modes[portal] = mode
