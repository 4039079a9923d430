"""Tests for muster.auth.service: passwords, first run, sign-in delays and tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from muster import clock
from muster.auth import service
from muster.db import Database
from muster.errors import Conflict, Invalid
from muster.policy.actor import Actor

ACTOR = Actor.system("test")
PASSWORD = "correct horse battery"


def _account(session: Session, username: str = "nadia") -> None:
    service.create_account(
        session,
        username=username,
        display_name=username.title(),
        roles=["officer"],
        password=PASSWORD,
        actor=ACTOR,
    )


class TestAccounts:
    """Accounts store argon2 hashes and refuse weak or duplicate input."""

    def test_password_is_hashed_with_argon2(self, session: Session) -> None:
        """The stored hash is argon2id and never the password."""
        _account(session)
        account = service.get_account_by_username(session, "nadia")
        assert account.password_hash.startswith("$argon2id$")
        assert PASSWORD not in account.password_hash

    def test_short_password_duplicate_name_and_unknown_role_are_refused(
        self, session: Session
    ) -> None:
        """Each bad input raises the error that says what to fix."""
        _account(session)
        with pytest.raises(Conflict):
            _account(session)
        with pytest.raises(Invalid, match="at least"):
            service.create_account(
                session, username="x1", display_name="X", roles=[], password="short", actor=ACTOR
            )
        with pytest.raises(Invalid, match="unknown role"):
            service.create_account(
                session,
                username="x2",
                display_name="X",
                roles=["king"],
                password=PASSWORD,
                actor=ACTOR,
            )

    def test_first_admin_is_created_once(self, session: Session) -> None:
        """The first run returns a password that signs in; later runs return None."""
        password = service.ensure_first_admin(session)
        assert password is not None
        assert service.ensure_first_admin(session) is None
        outcome = service.sign_in(session, username="admin", password=password)
        assert outcome.account is not None
        assert "admin" in outcome.account.roles


class TestSignIn:
    """Wrong passwords impose a growing delay; the right one resets it."""

    def test_growing_delay_after_repeated_failures(self, session: Session) -> None:
        """From the third failure the account waits, twice as long each time."""
        _account(session)
        start = clock.now()
        delays = []
        for i in range(5):
            with clock.frozen_at(start + timedelta(hours=i)):
                assert service.sign_in(session, username="nadia", password="wrong").account is None
                account = service.get_account_by_username(session, "nadia")
                delays.append(
                    (account.locked_until - clock.now()).total_seconds()
                    if account.locked_until
                    else 0
                )
        assert delays == [0, 0, 2, 4, 8]

    def test_locked_account_refuses_even_the_right_password_until_the_delay_ends(
        self, session: Session
    ) -> None:
        """During the delay the answer says how long to wait; afterwards it signs in."""
        _account(session)
        start = clock.now()
        with clock.frozen_at(start):
            for _ in range(3):
                service.sign_in(session, username="nadia", password="wrong")
            outcome = service.sign_in(session, username="nadia", password=PASSWORD)
        assert outcome.account is None
        assert outcome.retry_after_seconds > 0
        with clock.frozen_at(start + timedelta(seconds=10)):
            outcome = service.sign_in(session, username="nadia", password=PASSWORD)
        assert outcome.account is not None
        assert outcome.account.failed_signins == 0

    def test_unknown_user_fails_plainly(self, session: Session) -> None:
        """An unknown username gets no account and no hint."""
        assert service.sign_in(session, username="ghost", password=PASSWORD).account is None


class TestTokens:
    """Tokens are stored hashed, named, and revocable with immediate effect."""

    def test_secret_is_not_stored_and_resolves_to_the_account(self, session: Session) -> None:
        """Only the hash is stored; the secret gives the account's actor."""
        _account(session)
        token, secret = service.create_token(
            session, name="door", username="nadia", scopes=[], actor=ACTOR
        )
        assert secret.split("_", 2)[2] not in token.secret_hash
        assert service.token_actor(session, secret).account_id == token.account_id

    def test_wrong_secret_and_malformed_token_are_refused(self, session: Session) -> None:
        """A guessed secret or a malformed token is an invalid token."""
        _account(session)
        token, _secret = service.create_token(
            session, name="door", username="nadia", scopes=[], actor=ACTOR
        )
        with pytest.raises(service.InvalidToken):
            service.token_actor(session, f"mst_{token.id}_guess")
        with pytest.raises(service.InvalidToken, match="malformed"):
            service.token_actor(session, "hello")

    def test_revoked_token_is_refused_at_once_over_http(
        self, db: Database, client: TestClient
    ) -> None:
        """After revocation the very next request with the token gets 401."""
        body = client.post("/api/v1/tokens", json={"name": "reader", "username": "admin-test"})
        assert body.status_code == 201
        secret = body.json()["token"]
        auth = {"authorization": f"Bearer {secret}"}
        assert client.get("/api/v1/me", headers=auth).status_code == 200
        assert client.delete("/api/v1/tokens/reader").status_code == 200
        r = client.get("/api/v1/me", headers=auth)
        assert r.status_code == 401
        assert "revoked" in r.json()["detail"]
