"""The attacker's rules at the registry: changing who a person is, by API and CLI.

Holds and consent cases follow the person through any change of affiliation, party,
name, badge, archive or re-registration; a change of someone held or in a case (one not
revoked or ended) is the commander's alone and raises an alert (issue 14).
"""

from __future__ import annotations

import uuid
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import rule

from attacks.machine import AFFILIATIONS, EVERYONE, SUBJECTS, AttackMachine
from attacks.world import expect

ALERT = "people.alert.raised"


class RegistryAttack(AttackMachine):
    """Every role edits the registry; the oracle checks who may and what follows."""

    def _accepted(self, who: str, subject: str, guarded: bool, what: str) -> None:
        """The registry accepted a change of who a person is: by whom, and alerted."""
        if guarded and who != "commander":
            self.oracle.breach("P1/P2", f"{who} may not {what} {subject}, held or in a case")
        if guarded and not any(e["kind"] == ALERT for e in self.world.peek_events()):
            self.oracle.breach("P1/P2", f"{what} of {subject}, held or in a case, not alerted")

    def _changed(self, who: str, subject: str, affiliation: str, guarded: bool) -> None:
        """The API accepted a change of affiliation: holds and cases follow the person."""
        self._accepted(who, subject, guarded, f"make {affiliation}")
        human = self.subject(subject)
        # The consent requirement follows the person; only the commander's change of a
        # person neither held nor in a case (a correction of the register) sets it aside.
        if affiliation == "resident":
            human.needs_consent = True
        elif who == "commander" and not guarded and affiliation == "crew":
            human.needs_consent = False
        human.affiliation = affiliation

    def _patch(self, who: str, subject: str, body: dict[str, Any]) -> bool:
        """True if the API accepted a change that changes something (a change to the
        values a person already has changes no one)."""
        url = f"/api/v1/persons/{self.records[subject]}"
        before = expect(self.world.admin.get(url), 200)
        accepted = self.act(who).client.patch(url, json=body).status_code == 200
        if accepted:
            self.world.record_standing(self.records[subject], body)
        return accepted and any(before.get(k) != v for k, v in body.items())

    @rule(
        who=st.sampled_from(["admin", "commander", *EVERYONE]),
        subject=st.sampled_from(SUBJECTS),
        affiliation=st.sampled_from(AFFILIATIONS),
    )
    def change_affiliation(self, who: str, subject: str, affiliation: str) -> None:
        """Change a person's affiliation (and party, for a visitor)."""
        body: dict[str, Any] = {"affiliation": affiliation}
        if affiliation == "visitor":
            body["party_id"] = self.world.ids["vessel"]
        guarded = self.oracle.guarded(subject)
        if self._patch(who, subject, body):
            self._changed(who, subject, affiliation, guarded)

    @rule(
        who=st.sampled_from(["officer", "commander", *EVERYONE]),
        subject=st.sampled_from(SUBJECTS),
        joins=st.booleans(),
    )
    def change_party(self, who: str, subject: str, joins: bool) -> None:
        """Move a person into the visiting vessel's party, or out of any party."""
        guarded = self.oracle.guarded(subject)
        body = {"party_id": self.world.ids["vessel"] if joins else None}
        if self._patch(who, subject, body):
            self._accepted(who, subject, guarded, "change the party of")

    @rule(who=st.sampled_from(EVERYONE), subject=st.sampled_from(SUBJECTS))
    def change_badge(self, who: str, subject: str) -> None:
        """Give a person a new badge."""
        badge = f"B-{uuid.uuid4().hex[:8]}"
        guarded = self.oracle.guarded(subject)
        if self._patch(who, subject, {"badge_id": badge}):
            self.badges[subject] = badge
            self._accepted(who, subject, guarded, "re-badge")

    @rule(subject=st.sampled_from(SUBJECTS), affiliation=st.sampled_from(AFFILIATIONS))
    def change_by_cli(self, subject: str, affiliation: str) -> None:
        """The shell user (the local administrator) changes a person's affiliation."""
        guarded = self.oracle.guarded(subject)
        if self.cli("person", "update", self.records[subject], "--affiliation", affiliation):
            self.world.record_standing(self.records[subject], {"affiliation": affiliation})
            self._changed("shell", subject, affiliation, guarded)

    @rule(who=st.sampled_from(EVERYONE), subject=st.sampled_from(SUBJECTS))
    def archive(self, who: str, subject: str) -> None:
        """Archive (or delete) a person's record."""
        guarded = self.oracle.guarded(subject)
        resp = self.act(who).client.delete(f"/api/v1/persons/{self.records[subject]}")
        if resp.status_code == 200:
            self._accepted(who, subject, guarded, "archive")

    @rule(
        who=st.sampled_from(["admin", *EVERYONE]),
        subject=st.sampled_from(SUBJECTS),
        affiliation=st.sampled_from(AFFILIATIONS),
    )
    def reregister(self, who: str, subject: str, affiliation: str) -> None:
        """Register the same person again, by name and badge, perhaps as something else."""
        human = self.subject(subject)
        body: dict[str, Any] = {
            "name": f"{subject.title()} {self.tag}",
            "affiliation": affiliation,
            "badge_id": self.badges[subject],
        }
        if affiliation == "visitor":
            body["party_id"] = self.world.ids["vessel"]
        guarded = self.oracle.guarded(subject)
        resp = self.act(who).client.post("/api/v1/persons", json=body)
        if resp.status_code == 201:
            record = resp.json()["id"]
            self.world.record_standing(record, body)
            self.world.labels[record] = body["name"]
            human.record_ids.add(record)
            self.records[subject] = record
            self._changed(who, subject, affiliation, guarded)
            self.acting.add(self.ops["admin"].token_id)
            self.world.place(record, "south" if subject != "vic" else "collar")
