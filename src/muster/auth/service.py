"""Accounts, passwords (argon2), API tokens and console sessions."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Executable, bindparam, func, select
from sqlalchemy.orm import Session

from muster import clock
from muster.auth import throttle
from muster.auth.accounts import actor_for as actor_for
from muster.auth.accounts import get_account_by_username as get_account_by_username
from muster.auth.accounts import station_roles
from muster.auth.models import Account, ApiToken, WebSession
from muster.errors import Conflict, DomainError, Invalid, NotFound
from muster.events.service import append_event
from muster.ops import context
from muster.ops.metrics import SIGNIN_THROTTLED
from muster.people.enums import of_visiting_party
from muster.policy.actor import Actor, Role
from muster.policy.authorize import authorize

_hasher = PasswordHasher()
TOKEN_PREFIX = "mst"
FAILED_SIGNINS_BEFORE_DELAY = 3
MAX_SIGNIN_DELAY_SECONDS = 300
MIN_PASSWORD_LENGTH = 10
KNOWN_ROLES = frozenset(r.value for r in Role)


class InvalidToken(DomainError):
    """A bearer token that is malformed, unknown, revoked or whose account is disabled.

    RFC 6750 section 3.1: 401 with ``WWW-Authenticate: Bearer error="invalid_token"``, so a
    client knows to get a new token rather than to ask for more rights.
    """

    status = 401
    title = "Invalid token"

    @property
    def headers(self) -> dict[str, str]:
        """The challenge sent with the answer."""
        reason = self.message.replace("\\", "").replace('"', "'")
        return {"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{reason}"'}


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _check_roles(roles: list[str]) -> list[str]:
    unknown = sorted(set(roles) - KNOWN_ROLES)
    if unknown:
        raise Invalid(
            f"unknown role(s) {', '.join(unknown)}; known roles: {', '.join(sorted(KNOWN_ROLES))}"
        )
    return sorted(set(roles))


def _refuse_visitor_roles(session: Session, person_id: str) -> None:
    """A visiting party's person holds no station role (P6): refuse their account any role."""
    from muster.people.models import Person  # the registry sits above auth

    person = session.get(Person, person_id)
    if person is not None and of_visiting_party(person.affiliation, person.party_id):
        raise Invalid(
            f"{person.name} is of the visiting party and may hold no station role; "
            "create the account without roles"
        )


def create_account(
    session: Session,
    *,
    username: str,
    display_name: str,
    roles: list[str],
    password: str,
    actor: Actor,
    person_id: str | None = None,
) -> Account:
    """Create an operator account (``account.manage``: an administrator)."""
    authorize(actor, "account.manage")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if session.scalar(select(Account.id).where(Account.username == username)):
        raise Conflict(f"an account named {username!r} already exists; choose another username")
    if person_id is not None and roles:
        _refuse_visitor_roles(session, person_id)
    account = Account(
        username=username,
        display_name=display_name,
        roles=_check_roles(roles),
        person_id=person_id,
        password_hash=hash_password(password),
        created_at=clock.now(),
    )
    session.add(account)
    session.flush()
    append_event(
        session,
        kind="auth.account.created",
        actor=actor,
        subjects=[account.id, person_id or ""],
        payload={"username": username, "roles": account.roles},
    )
    return account


def set_password(session: Session, *, username: str, password: str, actor: Actor) -> Account:
    """Replace an account's password and end its console sessions.

    An account signed in for itself sets its own password; anyone else's is
    ``account.manage`` (an administrator), authorized before the account is looked up.
    """
    own: str | None = None  # the username of the account signed in, if one is
    if actor.kind == "account" and actor.account_id is not None:
        own = session.scalar(select(Account.username).where(Account.id == actor.account_id))
    if own != username:
        authorize(actor, "account.manage")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    account = get_account_by_username(session, username)
    account.password_hash = hash_password(password)
    account.failed_signins = 0
    account.locked_until = None
    _end_sessions(session, account.id)
    append_event(session, kind="auth.account.password_set", actor=actor, subjects=[account.id])
    return account


def count_accounts(session: Session) -> int:
    """How many operator accounts exist."""
    return session.scalar(select(func.count()).select_from(Account)) or 0


def ensure_first_admin(session: Session) -> str | None:
    """On first run, create ``admin`` and return its one-time password; else None."""
    if count_accounts(session):
        return None
    password = secrets.token_urlsafe(12)
    create_account(
        session,
        username="admin",
        display_name="Administrator",
        roles=[Role.ADMIN],
        password=password,
        actor=Actor.system("first-run"),
    )
    return password


@dataclass(frozen=True)
class SignInOutcome:
    """Result of a sign-in attempt: the actor, or how long to wait before trying again."""

    account: Account | None
    retry_after_seconds: int = 0


def sign_in(
    session: Session, *, username: str, password: str, address: str | None = None
) -> SignInOutcome:
    """Check a password. After repeated failures the account, and separately the client
    address (``address``, by default the current request's), wait longer between tries."""
    address = context.current().client_address if address is None else address
    wait = throttle.address_wait_seconds(session, address)
    if wait:
        SIGNIN_THROTTLED.labels(by="address").inc()
        return SignInOutcome(None, wait)
    account = session.scalar(select(Account).where(Account.username == username))
    now = clock.now()
    if account is None or not account.active:
        _hasher.hash(password)  # same cost whether or not the account exists
        throttle.record_failure(session, address)
        return SignInOutcome(None)
    if account.locked_until and account.locked_until > now:
        SIGNIN_THROTTLED.labels(by="account").inc()
        return SignInOutcome(None, int((account.locked_until - now).total_seconds()) + 1)
    try:
        _hasher.verify(account.password_hash, password)
    except (VerificationError, InvalidHashError):
        throttle.record_failure(session, address)
        account.failed_signins += 1
        if account.failed_signins >= FAILED_SIGNINS_BEFORE_DELAY:
            delay = min(2 ** (account.failed_signins - FAILED_SIGNINS_BEFORE_DELAY + 1), 300)
            account.locked_until = now + timedelta(seconds=delay)
        append_event(
            session,
            kind="auth.signin.failed",
            actor=Actor.system("sign-in"),
            subjects=[account.id],
            payload={"username": username, "failures": account.failed_signins},
        )
        return SignInOutcome(None)
    account.failed_signins = 0
    account.locked_until = None
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    return SignInOutcome(account)


def open_web_session(
    session: Session, *, account: Account, hours: float, replacing: str | None = None
) -> tuple[str, str]:
    """Start a console session with a new id; returns (cookie value, CSRF token).

    The session the browser held before (``replacing``, by default the current request's
    cookie) ends, so a session id planted before sign-in is worth nothing after it.
    """
    replacing = context.current().session_cookie if replacing is None else replacing
    if replacing:
        close_web_session(session, replacing)
    raw = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = clock.now()
    session.add(
        WebSession(
            id_hash=_sha256(raw),
            account_id=account.id,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    append_event(
        session, kind="auth.signin", actor=actor_for(account), subjects=[account.id], payload={}
    )
    return raw, csrf


def web_session_actor(session: Session, raw: str) -> tuple[Actor, str] | None:
    """The actor and CSRF token of a live console session, or None."""
    row = session.get(WebSession, _sha256(raw))
    if row is None or row.revoked_at is not None or row.expires_at <= clock.now():
        return None
    account = session.get(Account, row.account_id)
    if account is None or not account.active:
        return None
    return actor_for(account), row.csrf_token


def close_web_session(session: Session, raw: str) -> None:
    """Sign out: the cookie stops working at once."""
    row = session.get(WebSession, _sha256(raw))
    if row is not None and row.revoked_at is None:
        row.revoked_at = clock.now()
        append_event(
            session,
            kind="auth.signout",
            actor=Actor.system("sign-in"),
            subjects=[row.account_id],
            payload={},
        )


def _end_sessions(session: Session, account_id: str) -> None:
    now = clock.now()
    for row in session.scalars(
        select(WebSession).where(
            WebSession.account_id == account_id, WebSession.revoked_at.is_(None)
        )
    ):
        row.revoked_at = now


def _check_portal(session: Session, portal_id: str) -> None:
    from muster.places.models import Portal  # the registry sits above auth

    if session.get(Portal, portal_id) is None:
        raise NotFound(f"no portal {portal_id!r} to bind the token to; see muster portal list")


def create_token(
    session: Session,
    *,
    name: str,
    username: str,
    scopes: list[str],
    actor: Actor,
    portal_id: str | None = None,
    channel_ids: list[str] | None = None,
    door_portal_ids: list[str] | None = None,
) -> tuple[ApiToken, str]:
    """Create a named API token for an account; the secret is returned once, never stored.

    ``portal_id`` binds a reader's token to one portal (it may then only request decisions
    and record passages there); ``channel_ids`` binds a handset's token to its channels;
    ``door_portal_ids`` binds a door controller's token to its portals (the door feed, and
    uploads at those portals only).
    ``token.manage``: an administrator.
    """
    authorize(actor, "token.manage")
    if session.scalar(select(ApiToken.id).where(ApiToken.name == name)):
        raise Conflict(f"a token named {name!r} already exists; choose another name")
    account = get_account_by_username(session, username)
    if portal_id is not None:
        _check_portal(session, portal_id)
    if door_portal_ids is not None:
        if not door_portal_ids:
            raise Invalid("bind a door controller's token to at least one portal")
        for door_portal in door_portal_ids:
            _check_portal(session, door_portal)
    secret = secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        account_id=account.id,
        secret_hash=_sha256(secret),
        scopes=sorted(set(scopes)),
        portal_id=portal_id,
        channel_ids=sorted(set(channel_ids)) if channel_ids is not None else None,
        door_portal_ids=sorted(set(door_portal_ids)) if door_portal_ids is not None else None,
        created_at=clock.now(),
    )
    session.add(token)
    session.flush()
    append_event(
        session,
        kind="auth.token.created",
        actor=actor,
        subjects=[token.id, account.id, portal_id or ""],
        payload={
            "name": name,
            "scopes": token.scopes,
            "portal_id": portal_id,
            "channel_ids": token.channel_ids,
            "door_portal_ids": token.door_portal_ids,
        },
    )
    return token, f"{TOKEN_PREFIX}_{token.id}_{secret}"


def revoke_token(session: Session, *, name: str, actor: Actor) -> ApiToken:
    """Revoke a token by name; it stops working at once (``token.manage``)."""
    authorize(actor, "token.manage")
    token = session.scalar(select(ApiToken).where(ApiToken.name == name))
    if token is None:
        raise NotFound(f"no token named {name!r}")
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        append_event(session, kind="auth.token.revoked", actor=actor, subjects=[token.id])
    return token


@cache
def _token_query() -> Executable:
    """One indexed read per request: the token joined to its account and the account's
    person, by primary key, through Core (no ORM objects to build); revocation, disabling
    and a move into the visiting party take effect at the next request."""
    from muster.people.models import Person  # the registry sits above auth

    return (
        select(
            ApiToken.id,
            ApiToken.name,
            ApiToken.secret_hash,
            ApiToken.revoked_at,
            ApiToken.scopes,
            ApiToken.portal_id,
            ApiToken.channel_ids,
            ApiToken.door_portal_ids,
            Account.id,
            Account.display_name,
            Account.roles,
            Account.person_id,
            Account.active,
            Person.affiliation,
            Person.party_id,
        )
        .join(Account, Account.id == ApiToken.account_id, isouter=True)
        .join(Person, Person.id == Account.person_id, isouter=True)
        .where(ApiToken.id == bindparam("token_id"))
    )


def token_actor(session: Session, bearer: str) -> Actor:
    """The actor of a bearer token, or InvalidToken."""
    parts = bearer.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        raise InvalidToken("malformed API token; expected mst_<id>_<secret>")
    session.flush()  # a change to the token or account made earlier in this transaction counts
    row = session.connection().execute(_token_query(), {"token_id": parts[1]}).first()
    if row is None or not hmac.compare_digest(row[2], _sha256(parts[2])):
        raise InvalidToken("unknown API token")
    token_id, name, _, revoked_at, scopes, portal_id, channel_ids, door_portal_ids = row[:8]
    account_id, display_name, roles, person_id, active, affiliation, party_id = row[8:]
    if revoked_at is not None:
        raise InvalidToken(f"API token {name!r} was revoked")
    if account_id is None or not active:
        raise InvalidToken("the token's account is disabled")
    return Actor(
        kind="token",
        id=token_id,
        name=display_name,
        roles=station_roles(roles, affiliation, party_id),
        person_id=person_id,
        account_id=account_id,
        scopes=frozenset(scopes) if scopes else None,
        portal_id=portal_id,
        channel_ids=frozenset(channel_ids) if channel_ids is not None else None,
        door_portal_ids=frozenset(door_portal_ids) if door_portal_ids is not None else None,
    )
