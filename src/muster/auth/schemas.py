"""API shapes for accounts and tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from muster.schemas import ReadModel, StrictModel


class AccountCreate(StrictModel):
    """A new operator account."""

    username: str = Field(min_length=2, max_length=80, pattern=r"^[A-Za-z0-9_.-]+$")
    display_name: str = Field(min_length=1, max_length=200)
    roles: list[str] = Field(default_factory=list)
    password: str = Field(min_length=10, max_length=200)
    person_id: str | None = None


class AccountRead(ReadModel):
    """An operator account as the API shows it (never the password hash)."""

    id: str
    username: str
    display_name: str
    roles: list[str]
    person_id: str | None
    active: bool
    created_at: datetime


class TokenCreate(StrictModel):
    """A new API token for an account."""

    name: str = Field(min_length=1, max_length=120)
    username: str = Field(min_length=1, max_length=80)
    scopes: list[str] = Field(default_factory=list)
    portal_id: str | None = Field(
        default=None, max_length=36, description="Bind a reader's token to this portal"
    )
    channel_ids: list[str] | None = Field(
        default=None, description="Bind a handset's token to these channels"
    )
    door_portal_ids: list[Annotated[str, Field(max_length=36)]] | None = Field(
        default=None,
        max_length=100,
        description="Bind a door controller's token to these portals (docs/doors.md)",
    )


class TokenRead(ReadModel):
    """A token's metadata; the secret is shown once, at creation."""

    id: str
    name: str
    account_id: str
    scopes: list[str]
    portal_id: str | None = None
    channel_ids: list[str] | None = None
    door_portal_ids: list[str] | None = None
    created_at: datetime
    revoked_at: datetime | None


class TokenCreated(TokenRead):
    """The new token with its secret, shown this once."""

    token: str


class Me(StrictModel):
    """The caller."""

    id: str
    kind: str
    name: str
    roles: list[str]
    person_id: str | None
