"""Accounts and tokens over HTTP (administrators), and "who am I"."""

from __future__ import annotations

from fastapi import APIRouter, status

from muster.auth import service
from muster.auth.accounts import list_tokens
from muster.auth.schemas import AccountCreate, AccountRead, Me, TokenCreate, TokenCreated, TokenRead
from muster.web.deps import CurrentActor, SessionDep

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.get("/me")
def read_me(actor: CurrentActor) -> Me:
    """The signed-in operator or device."""
    return Me(
        id=actor.id,
        kind=actor.kind,
        name=actor.name,
        roles=sorted(actor.roles),
        person_id=actor.person_id,
    )


@router.post("/accounts", status_code=status.HTTP_201_CREATED)
def create_account(body: AccountCreate, session: SessionDep, actor: CurrentActor) -> AccountRead:
    """Create an operator account."""
    account = service.create_account(session, actor=actor, **body.model_dump())
    return AccountRead.model_validate(account)


@router.get("/tokens")
def read_tokens(session: SessionDep, actor: CurrentActor) -> list[TokenRead]:
    """Every API token (metadata only)."""
    return [TokenRead.model_validate(t) for t in list_tokens(session, actor=actor)]


@router.post("/tokens", status_code=status.HTTP_201_CREATED)
def create_token(body: TokenCreate, session: SessionDep, actor: CurrentActor) -> TokenCreated:
    """Create a named token; its secret is in this response only."""
    token, secret = service.create_token(
        session,
        name=body.name,
        username=body.username,
        scopes=body.scopes,
        portal_id=body.portal_id,
        channel_ids=body.channel_ids,
        door_portal_ids=body.door_portal_ids,
        actor=actor,
    )
    return TokenCreated(**TokenRead.model_validate(token).model_dump(), token=secret)


@router.delete("/tokens/{name}")
def revoke_token(name: str, session: SessionDep, actor: CurrentActor) -> TokenRead:
    """Revoke a token by name."""
    return TokenRead.model_validate(service.revoke_token(session, name=name, actor=actor))
