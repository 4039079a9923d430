"""Who is acting: a signed-in operator, a device token, or the system itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    """Operator roles. A person may hold several."""

    ADMIN = "admin"
    COMMANDER = "commander"
    OFFICER = "officer"
    GUARD = "guard"
    MEDIC = "medic"
    WELFARE = "welfare"
    ENGINEER = "engineer"
    LOGISTICS = "logistics"
    LIAISON = "liaison"
    SCRIBE = "scribe"
    OBSERVER = "observer"
    DEVICE = "device"


@dataclass(frozen=True)
class Actor:
    """The author of an action, carried into every service call and every event."""

    kind: str  # "account", "token" or "system"
    id: str
    name: str
    roles: frozenset[str] = field(default_factory=frozenset)
    person_id: str | None = None
    account_id: str | None = None
    scopes: frozenset[str] | None = None  # None: not a scoped token
    portal_id: str | None = None  # a reader's token: bound to this one portal
    channel_ids: frozenset[str] | None = None  # a handset's token: bound to these channels
    door_portal_ids: frozenset[str] | None = None  # a door controller's token: its portals

    @property
    def label(self) -> str:
        """How the record names this actor."""
        return self.name

    def has_role(self, *roles: str) -> bool:
        """True if the actor holds any of ``roles``."""
        return any(role in self.roles for role in roles)

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        """The station's own processes and the local administrator at the command line."""
        return cls(kind="system", id=f"system:{name}", name=name, roles=frozenset({Role.ADMIN}))
