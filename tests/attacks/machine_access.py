"""The attacker's rules at the registry and the portals, and the checks after every step."""

from __future__ import annotations

import uuid
from datetime import datetime

from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule

from attacks.machine import EVERYONE, SUBJECTS, now
from attacks.machine_orders import OrdersAttack
from attacks.world import expect

PORTAL_MOVES = [("airlock", "exit"), ("airlock", "enter"), ("door", "exit"), ("door", "enter")]


class StationAttack(OrdersAttack):
    """Every role tries every act; after each step, P1-P7 hold by the oracle's account."""

    # ---- the portals ----

    @rule(
        who=st.sampled_from(["guard", "device", *EVERYONE]),
        move=st.sampled_from(PORTAL_MOVES),
        group=st.sets(st.sampled_from([*SUBJECTS, "escort"]), min_size=1),
    )
    def request(self, who: str, move: tuple[str, str], group: set[str]) -> None:
        """Ask a portal to let a group pass; every permit is checked against the promises."""
        portal, direction = move
        refs = {s: self.records[s] for s in group if s != "escort"}
        if "escort" in group:
            refs["escort"] = self.ops["guard"].person_id or ""
        body = {"persons": list(refs.values()), "direction": direction}
        url = f"/api/v1/portals/{self.world.ids[portal]}/requests"
        asked = now()
        resp = self.act(who).client.post(url, json=body)
        if resp.status_code != 200:
            return
        allowed = {d["person_id"] for d in resp.json()["decisions"] if d["allowed"]}
        escorted = refs.get("escort") in allowed
        for label, record in refs.items():
            if record in allowed and label != "escort":
                self.check_permit(label, portal, direction, escorted=escorted, at=asked)
                self.permits.append((portal, direction, label))

    @precondition(lambda self: self.permits)
    @rule(who=st.sampled_from(["guard", "device", *EVERYONE]), pick=st.integers(0, 50))
    def passage(self, who: str, pick: int) -> None:
        """Report a permitted passage, perhaps after the facts changed."""
        portal, direction, label = self.permits[pick % len(self.permits)]
        body = {"person": self.records[label], "direction": direction}
        headers = {"Idempotency-Key": uuid.uuid4().hex}
        url = f"/api/v1/portals/{self.world.ids[portal]}/passages"
        asked = now()
        resp = self.act(who).client.post(url, json=body, headers=headers)
        if resp.status_code == 201:
            self.check_permit(label, portal, direction, escorted=True, passage=True, at=asked)

    def check_permit(
        self,
        label: str,
        portal: str,
        direction: str,
        *,
        escorted: bool,
        at: datetime,
        passage: bool = False,
    ) -> None:
        """The promises a permit (or a passage) must keep, from the oracle's facts alone."""
        o, human = self.oracle, self.subject(label)
        what = f"{'passage' if passage else 'permit'} of {label} ({human.affiliation}) "
        what += f"{direction} at the {portal}"
        if o.modes[portal] == "lockdown":
            o.breach("P1", f"{what} in lockdown")
        if portal == "airlock" and direction == "exit":
            if o.held(label):
                o.breach("P1", f"{what} while held")
            # The collar outside the airlock holds the visiting vessel.
            if human.needs_consent and not o.consent_ok(label, "vessel", at):
                o.breach(
                    "P2",
                    f"{what} to the vessel without an approved, unrevoked case whose check-up "
                    "is not overdue",
                )
            return
        if human.affiliation != "visitor" or (portal == "door" and o.modes["door"] == "evacuation"):
            return
        target = "south" if direction == "enter" else ("hospital" if portal == "door" else "")
        if portal == "airlock" and direction == "enter":
            target = "south"
        zones = o.visit_zones(label, now())
        if not zones:
            o.breach("P3", f"{what} with no current visit")
        elif target and target not in zones:
            o.breach(
                "P3", f"{what} into {target}, which the visit ({sorted(zones)}) does not allow"
            )
        if portal == "airlock" and direction == "enter" and not escorted:
            o.breach("P3", f"{what} with no permitted crew escort in the same request")

    # ---- P7: activating a policy that fails its proofs ----

    @rule(who=st.sampled_from(["commander", "officer", "admin", "visitor"]), reason=st.booleans())
    def activate_unproved(self, who: str, reason: bool) -> None:
        """Save a policy without the held-exit forbid and try to activate it."""
        op = self.act(who)
        commander = self.ops["commander"].client
        active = expect(commander.get("/api/v1/policies/active"), 200)
        weakened = active["policy_text"].replace('@id("exit.forbid.held")', '@id("x.held")')
        weakened = weakened.replace("when { principal.held };", "when { false };", 1)
        body = {"policy_text": weakened, "comment": "attack"}
        saved = op.client.post("/api/v1/policies", json=body)
        if saved.status_code != 201:
            return
        activation = {"override_reason": "exercise"} if reason else {}
        url = f"/api/v1/policies/{saved.json()['number']}/activate"
        if op.client.post(url, json=activation).status_code != 200:
            return
        if "commander" not in op.roles or not reason:
            self.oracle.breach("P7", f"{who} {sorted(op.roles)} activated an unproved policy")
        alerts = [e for e in self.world.peek_events() if "alert" in e["kind"]]
        if not alerts:
            self.oracle.breach("P7", "an unproved policy was activated with no alert raised")
        # Put the proved policy back, so the other promises keep their meaning.
        restore = expect(
            commander.post(
                "/api/v1/policies",
                json={"policy_text": active["policy_text"], "comment": "restore"},
            ),
            201,
        )
        expect(commander.post(f"/api/v1/policies/{restore['number']}/activate", json={}), 200)
        self.acting.add(self.ops["commander"].token_id)

    # ---- after every step ----

    @invariant()
    def promises_hold(self) -> None:
        """Nothing the API answered broke a promise (P1-P4, P6, P7)."""
        assert self.oracle.broken == [], self.oracle.broken

    @invariant()
    def record_names_who_acted(self) -> None:
        """P5: every event of the step names the account that authenticated for it; P6:
        every order, roll call and escalation reached station staff only
        (``check_reach``)."""
        events = self.world.new_events()
        self.check_reach(events)
        officers = {op.token_id: label for label, op in self.ops.items() if label not in ("admin",)}
        officers |= {op.account_id: label for label, op in self.ops.items() if label != "admin"}
        for event in events:
            actor = event["actor_id"]
            if self.by_cli:
                assert actor not in officers, (
                    f"P5: the shell's {event['kind']} credited to {officers[actor]}"
                )
            else:
                assert actor in self.acting, f"P5: {event['kind']} by {event['actor']} ({actor})"
        self.acting, self.by_cli = set(), False
