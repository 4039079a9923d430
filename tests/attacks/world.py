"""The station the attacks run against, built through the API, and its signed-in operators.

The world lasts one test (one database): a vessel docked at the South airlock, the South
corridor, the Hospital behind a door, the officers with their accounts. Each example of
the state machine adds subjects of its own (residents and a visitor with an account), so
what one example did never decides what another one sees.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from muster.auth import service as auth_service
from muster.db import Database
from muster.policy.actor import Actor

PASSWORD = "correct horse battery"
# Channels every example sends on (an example's own direct channel to its visitor is made
# by the machine): everyone of the station, the guards by role, everyone at a post.
CHANNELS: dict[str, dict[str, Any]] = {
    "all": {"kind": "all"},
    "guards": {"kind": "role", "role": "guard"},
    "posts": {"kind": "posts"},
}
SETUP = Actor.system("attack-setup")

# The station's operators: label -> (roles, affiliation of their person record).
OFFICERS = {
    "welfare-1": (["welfare"], "crew"),
    "welfare-2": (["welfare"], "crew"),
    "welfare-3": (["welfare"], "crew"),
    "commander": (["commander"], "crew"),
    "medic": (["medic"], "crew"),
    "guard": (["guard"], "crew"),
    "officer": (["officer"], "crew"),
}


@dataclass
class Operator:
    """A signed-in operator: their client, token id (the events' actor_id) and roles."""

    label: str
    client: TestClient
    token_id: str
    account_id: str
    roles: frozenset[str]
    person_id: str | None = None


def expect(response: Any, *codes: int) -> dict[str, Any]:
    """The JSON of a setup call that must succeed."""
    assert response.status_code in codes, (response.request.url, response.text)
    body: dict[str, Any] = response.json()
    return body


@dataclass
class World:
    """What every example shares: the places, the vessel, the officers."""

    db: Database
    app: FastAPI
    operators: dict[str, Operator] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    clients: list[TestClient] = field(default_factory=list)
    seq: int = 0  # the last event read
    pending: list[dict[str, Any]] = field(default_factory=list)
    # What the API accepted about every person record of the run (examples share records):
    # affiliation and party, who is in hospital (record -> admission) and who is deceased.
    standing: dict[str, dict[str, Any]] = field(default_factory=dict)
    in_hospital: dict[str, str] = field(default_factory=dict)
    deceased: set[str] = field(default_factory=set)
    staff: list[str] = field(default_factory=list)  # the officers' person records
    labels: dict[str, str] = field(default_factory=dict)  # record -> who, for messages

    def record_standing(self, record: str, body: dict[str, Any]) -> None:
        """The API accepted a person's affiliation or party (registered or changed)."""
        standing = self.standing.setdefault(record, {"affiliation": "", "party_id": None})
        for key in ("affiliation", "party_id"):
            if key in body:
                standing[key] = body[key]

    def of_visiting_party(self, record: str) -> bool:
        """A visitor, or a member of a party, by what the API accepted (P6); a record the
        run never registered counts as the visiting party's, so it is never let pass."""
        standing = self.standing.get(record)
        if standing is None:
            return True
        return standing["affiliation"] == "visitor" or standing["party_id"] is not None

    def label_of(self, record: str) -> str:
        """Who a record is, for a message."""
        return f"{self.labels.get(record, 'an unknown person')} ({record})"

    def sign_in(self, label: str, roles: list[str], person_id: str | None = None) -> Operator:
        """An account with ``roles`` (linked to ``person_id``) and a bearer-token client."""
        username = f"{label}-{uuid.uuid4().hex[:6]}"
        with self.db.session_scope() as s:
            account = auth_service.create_account(
                s,
                username=username,
                display_name=username,
                roles=roles,
                password=PASSWORD,
                actor=SETUP,
                person_id=person_id,
            )
            token, secret = auth_service.create_token(
                s, name=f"t-{username}", username=username, scopes=[], actor=SETUP
            )
            ids = (token.id, account.id)
        client = self.new_client(secret)
        return Operator(label, client, ids[0], ids[1], frozenset(roles), person_id)

    def new_client(self, secret: str) -> TestClient:
        """A client signed in with an API token's secret."""
        client = TestClient(self.app, headers={"Authorization": f"Bearer {secret}"})
        self.clients.append(client)
        return client

    def peek_events(self) -> list[dict[str, Any]]:
        """The events written since the last ``new_events``, left for it to return."""
        self.pending.extend(self._read_new())
        return list(self.pending)

    def new_events(self) -> list[dict[str, Any]]:
        """The events written since the last call, oldest first (read as the admin)."""
        found, self.pending = [*self.pending, *self._read_new()], []
        return found

    def _read_new(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while True:
            params = {"after_seq": self.seq, "limit": 200}
            page = expect(self.admin.get("/api/v1/events", params=params), 200)["items"]
            if not page:
                return found
            found.extend(page)
            self.seq = max(int(e["seq"]) for e in page)

    @property
    def admin(self) -> TestClient:
        """The administrator's client, for setting up and reading the record."""
        return self.operators["admin"].client

    def person(self, name: str, affiliation: str, zone: str, **extra: Any) -> dict[str, Any]:
        """Register a person through the API and place them in ``zone``."""
        body = {"name": name, "affiliation": affiliation, **extra}
        row = expect(self.admin.post("/api/v1/persons", json=body), 201)
        self.record_standing(row["id"], body)
        self.labels[row["id"]] = name
        self.place(row["id"], zone)
        return row

    def place(self, person_id: str, zone: str) -> None:
        """Record where a person is (setting up, as the administrator)."""
        body = {"person": person_id, "zone_id": self.ids[zone], "reason": "attack setup"}
        expect(self.admin.post("/api/v1/presence", json=body), 200)

    def close(self) -> None:
        """Close every client."""
        for client in self.clients:
            client.close()


def build_world(db: Database, app: FastAPI) -> World:
    """The vessel, the places and the officers, through the API where it has a route."""
    world = World(db, app)
    world.operators["admin"] = world.sign_in("admin", ["admin"])
    admin = world.admin
    vessel = expect(admin.post("/api/v1/parties", json={"name": "Vessel", "kind": "vessel"}), 201)
    world.ids["vessel"] = vessel["id"]
    for key, kind, docked in [
        ("south", "internal", None),
        ("hospital", "internal", None),
        ("collar", "collar", vessel["id"]),
    ]:
        body = {"name": key, "kind": kind, "docked_party_id": docked}
        world.ids[key] = expect(admin.post("/api/v1/zones", json=body), 201)["id"]
    for key, kind, inside, outside in [
        ("airlock", "airlock", "south", "collar"),
        ("door", "door", "south", "hospital"),
    ]:
        body = {
            "name": key,
            "kind": kind,
            "inside_zone_id": world.ids[inside],
            "outside_zone_id": world.ids[outside],
        }
        world.ids[key] = expect(admin.post("/api/v1/portals", json=body), 201)["id"]
    text = {"title": "Consent", "body": "I go of my own free will."}
    expect(admin.post("/api/v1/welfare/consent-texts", json=text), 201)
    post = {"name": "airlock post", "portal_id": world.ids["airlock"]}
    post_id = world.ids["post"] = expect(admin.post("/api/v1/posts", json=post), 201)["id"]
    for label, (roles, affiliation) in OFFICERS.items():
        person = world.person(label, affiliation, "south", badge_id=f"B-{label}", roles=roles)
        world.operators[label] = world.sign_in(label, roles, person["id"])
        world.staff.append(person["id"])
        if label == "guard":
            body = {"person_id": person["id"]}
            expect(admin.post(f"/api/v1/posts/{post_id}/members", json=body), 201)
    for key, rule in CHANNELS.items():
        body = {"name": key, "kind": "group", "rule": rule}
        made = expect(admin.post("/api/v1/comms/channels", json=body), 201)
        world.ids[f"channel-{key}"] = made["id"]
    world.operators["device"] = world.sign_in("device", ["device"])
    world.operators["observer"] = world.sign_in("observer", ["observer"])
    world.new_events()
    return world
