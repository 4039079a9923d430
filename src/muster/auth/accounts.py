"""Reading accounts and tokens: the account named, the actor an account acts as, the list
of API tokens.

Kept apart from ``muster.auth.service`` (passwords, issuing tokens, sessions, the record) so
that a command that only reads signs its local account in, and lists tokens, without
loading argon2, the event service or the metrics.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from muster.auth.models import Account, ApiToken
from muster.errors import NotFound
from muster.people.enums import of_visiting_party
from muster.policy.actor import Actor
from muster.policy.authorize import authorize


def station_roles(
    roles: list[str], affiliation: str | None, party_id: str | None
) -> frozenset[str]:
    """The roles an account acts with: none while its person is of the visiting party (P6).

    Checked each time an actor is built, not only when the account is made, so a person
    moved into the visiting party (a registry edit, a party joined) loses every station role
    at once, on every path, and gets it back only by leaving it.
    """
    return frozenset() if of_visiting_party(affiliation, party_id) else frozenset(roles)


def actor_for(account: Account, *, token: ApiToken | None = None) -> Actor:
    """The actor an account acts as, through ``token`` (its scopes and bindings) if given."""
    from muster.people.models import Person  # the registry sits above auth

    session = object_session(account)
    person = session.get(Person, account.person_id) if session and account.person_id else None
    return Actor(
        kind="token" if token else "account",
        id=token.id if token else account.id,
        name=account.display_name,
        roles=station_roles(
            account.roles,
            person.affiliation if person else None,
            person.party_id if person else None,
        ),
        person_id=account.person_id,
        account_id=account.id,
        scopes=frozenset(token.scopes) if token and token.scopes else None,
        portal_id=token.portal_id if token else None,
        channel_ids=frozenset(token.channel_ids)
        if token and token.channel_ids is not None
        else None,
        door_portal_ids=frozenset(token.door_portal_ids)
        if token and token.door_portal_ids is not None
        else None,
    )


def get_account_by_username(session: Session, username: str) -> Account:
    """The account named ``username``."""
    account = session.scalar(select(Account).where(Account.username == username))
    if account is None:
        raise NotFound(f"no account named {username!r}")
    return account


def list_tokens(session: Session, *, actor: Actor) -> list[ApiToken]:
    """Every API token, newest first (metadata; secrets are never stored).

    ``token.manage``: an administrator; the API and the CLI both list through here.
    """
    authorize(actor, "token.manage")
    return list(session.scalars(select(ApiToken).order_by(ApiToken.created_at.desc())).all())
