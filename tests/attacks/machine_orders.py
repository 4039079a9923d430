"""The attacker's rules for orders, roll calls, escalation, the hospital and check-ups.

P6: station orders, escalations and roll calls reach station staff only, never the visiting
party, and visitors hold no station role; roll calls and escalation report the sender, the
hospitalised and the deceased apart from the silent. P2: an approved case whose check-up
is overdue lets no one out (``AttackMachine.approve`` and ``checkup`` may run with the
check-up interval at zero, so the check-up they schedule is overdue at once).

Who reaches whom is checked on every event of the step (``check_reach``): the recipients an
order, roll call, re-send or escalation names, by what the oracle knows of each record
(``World.standing``: affiliation and party as the API accepted them).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from attacks.machine import EVERYONE, SUBJECTS
from attacks.machine_registry import RegistryAttack

CHANNELS = ["all", "guards", "posts", "ana"]
PRECEDENCES = ["routine", "priority", "immediate", "flash"]
STATUSES = ["active", "injured", "deceased"]
# The events that name whom a message reached, and the payload key that names them.
REACHING = {
    "comms.message.sent": "recipients",
    "comms.rollcall.started": "recipients",
    "comms.message.resent": "recipients",
    "comms.message.escalated": "recipients",
}
# Who may report the airlock post's situation: its guard, and the station's command.
REPORTERS = {"guard", "officer", "commander", "admin"}
POST_STATUSES = ["quiet", "crowd_gathering", "standoff", "casualties", "under_control"]
COUNTS = st.one_of(st.integers(0, 100), st.sampled_from([-1, 100_001, 2**63, 2**70, "3", True]))
SILENT = ("comms.message.resent", "comms.message.escalated", "comms.escalation.sender_alerted")


class OrdersAttack(RegistryAttack):
    """Every role sends orders and roll calls, acknowledges, admits and discharges; the
    shell runs the escalations due; check-ups fall due."""

    def _channel(self, name: str) -> str | None:
        """A channel of the world's, or a direct channel to this example's Ana (made when
        first used; refused while she is of the visiting party, and then none)."""
        if name != "ana":
            return self.world.ids[f"channel-{name}"]
        if "ana" not in self.channels:
            body = {
                "name": f"direct ana {self.tag}",
                "kind": "direct",
                "rule": {"kind": "person", "person_id": self.records["ana"]},
            }
            made = self.world.admin.post("/api/v1/comms/channels", json=body)
            if made.status_code != 201:
                return None
            self.channels["ana"] = made.json()["id"]
            self.acting.add(self.ops["admin"].token_id)
        return self.channels["ana"]

    @rule(
        who=st.sampled_from(["commander", "officer", "guard", *EVERYONE]),
        channel=st.sampled_from(CHANNELS),
        precedence=st.sampled_from(PRECEDENCES),
        roll_call=st.booleans(),
        by_cli=st.booleans(),
    )
    def send(self, who: str, channel: str, precedence: str, roll_call: bool, by_cli: bool) -> None:
        """Send an order, or start a roll call, through the API or at the shell."""
        channel_id = self._channel(channel)
        if channel_id is None:
            return
        if by_cli:
            args = ["comms", "send", channel_id, "attack order", "--precedence", precedence]
            ok = self.cli(*args, *(["--roll-call"] if roll_call else []))
            sender = "shell"
        else:
            body = {"channel_id": channel_id, "text": "attack order", "precedence": precedence}
            url = "/api/v1/comms/rollcalls" if roll_call else "/api/v1/comms/messages"
            resp = self.act(who).client.post(url, json=body)
            ok, sender = resp.status_code == 201, who
            if ok:
                self.messages.append(resp.json()["id"])
        if ok and sender == "visitor":
            self.oracle.breach("P6", "the visitor's account, with no station role, sent an order")

    @precondition(lambda self: self.messages)
    @rule(who=st.sampled_from(EVERYONE), pick=st.integers(0, 50))
    def acknowledge(self, who: str, pick: int) -> None:
        """Acknowledge an order for oneself."""
        message_id = self.messages[pick % len(self.messages)]
        resp = self.act(who).client.post(f"/api/v1/comms/messages/{message_id}/ack", json={})
        if resp.status_code == 200 and who == "visitor":
            self.oracle.breach("P6", "the visitor's account acknowledged a station order")

    @rule(who=st.sampled_from(["guard", *EVERYONE]))
    def call_help(self, who: str) -> None:
        """Call for help from the airlock's post (the commander and the post's officers are
        paged at flash)."""
        url = f"/api/v1/posts/{self.world.ids['post']}/help"
        resp = self.act(who).client.post(url, json={"text": "attack"})
        if resp.status_code == 201 and who == "visitor":
            self.oracle.breach("P6", "the visitor's account called for help from a post")

    @rule(
        who=st.sampled_from(["guard", *EVERYONE]),
        status=st.sampled_from(POST_STATUSES),
        visitors=COUNTS,
    )
    def report_post(self, who: str, status: str, visitors: object) -> None:
        """Report the airlock post's situation, with a count a guard might (or never would)
        send: only its guard and command file one, only a count from 0 to 100,000."""
        url = f"/api/v1/posts/{self.world.ids['post']}/reports"
        body = {"status": status, "visitors": visitors, "text": "attack"}
        resp = self.act(who).client.post(url, json=body)
        if resp.status_code >= 500:
            self.oracle.breach("4xx", f"a post report answered {resp.status_code}")
        if resp.status_code != 201:
            return
        if who == "visitor":
            self.oracle.breach("P6", "the visitor's account reported for a station post")
        if who not in REPORTERS:
            self.oracle.breach("posts", f"the {who} reported for a post not theirs")
        if not (isinstance(visitors, int) and not isinstance(visitors, bool)):
            self.oracle.breach("posts", f"a count of {visitors!r} was stored")
        elif not 0 <= visitors <= 100_000:
            self.oracle.breach("posts", f"a count of {visitors} was stored")

    @rule()
    def escalate(self) -> None:
        """The shell runs the escalations due (every deadline is a moment in these runs)."""
        self.cli("comms", "escalate")

    # ---- the hospital and the deceased, whom a roll call reports apart ----

    @rule(who=st.sampled_from(["medic", *EVERYONE]), subject=st.sampled_from(SUBJECTS))
    def admit(self, who: str, subject: str) -> None:
        """Admit a person to hospital (no bed: the ward has none free)."""
        record = self.records[subject]
        body = {"person_id": record, "condition": "fair", "reason": "attack"}
        resp = self.act(who).client.post("/api/v1/medical/admissions", json=body)
        if resp.status_code == 201:
            self.world.in_hospital[record] = resp.json()["id"]

    @rule(who=st.sampled_from(["medic", *EVERYONE]), subject=st.sampled_from(SUBJECTS))
    def discharge(self, who: str, subject: str) -> None:
        """Discharge a patient."""
        admission = self.world.in_hospital.get(self.records[subject])
        if admission is None:
            return
        url = f"/api/v1/medical/admissions/{admission}/discharge"
        resp = self.act(who).client.post(url, json={"disposition": "to quarters"})
        if resp.status_code == 200:
            del self.world.in_hospital[self.records[subject]]

    @rule(
        who=st.sampled_from(["medic", *EVERYONE]),
        subject=st.sampled_from(SUBJECTS),
        status=st.sampled_from(STATUSES),
    )
    def set_status(self, who: str, subject: str, status: str) -> None:
        """Record a person's status (a medic may, as casualties are triaged)."""
        record = self.records[subject]
        if self._patch(who, subject, {"status": status}):
            if status == "deceased":
                self.world.deceased.add(record)
            else:
                self.world.deceased.discard(record)

    @rule(who=st.sampled_from(["officer", *EVERYONE]), subject=st.sampled_from(SUBJECTS))
    def give_role(self, who: str, subject: str) -> None:
        """Give a person the guard's role (orders to the guards then name them, unless
        they are of the visiting party)."""
        self._patch(who, subject, {"roles": ["guard"]})

    # ---- after every step ----

    def check_reach(self, events: list[dict[str, Any]]) -> None:
        """P6 and the roll call's report, on every event of the step that names whom a
        message reached or who was silent."""
        w = self.world
        staff = set(w.staff)
        for event in events:
            kind, payload = event["kind"], event["payload"]
            for person in payload.get(REACHING.get(kind, ""), None) or []:
                assert not w.of_visiting_party(person), (
                    f"P6: {kind} reached {w.label_of(person)}, of the visiting party"
                )
                if kind == "comms.message.escalated":
                    assert person in staff, f"P6: escalated to {w.label_of(person)}, not staff"
                    assert person not in w.in_hospital, (
                        f"escalated to {w.label_of(person)}, who is in hospital"
                    )
            if kind in SILENT:
                sender = payload.get("sender_person_id")
                for person in payload.get("silent") or []:
                    assert person != sender, f"{kind}: the sender reported silent"
                    assert person not in w.in_hospital, (
                        f"{kind}: {w.label_of(person)}, in hospital, reported silent"
                    )
                    assert person not in w.deceased, (
                        f"{kind}: {w.label_of(person)}, deceased, reported silent"
                    )
