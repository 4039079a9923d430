"""Sign-in throttled per address, sessions rotated on sign-in, tokens bound and audited."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from access.station import build_station
from muster.auth import service, throttle
from muster.auth.models import Account
from muster.db import Database
from muster.events.models import Event
from muster.ops import context
from muster.people.enums import Affiliation
from muster.policy.actor import Actor

PASSWORD = "correct horse battery"


def _account(session: Session, username: str) -> Account:
    return service.create_account(
        session,
        username=username,
        display_name=username,
        roles=["guard"],
        password=PASSWORD,
        actor=Actor.system("test"),
    )


class TestAddressThrottle:
    """Many failures from one address make that address wait, whatever the accounts."""

    def test_spraying_many_accounts_trips_the_address(self, session: Session) -> None:
        """One wrong password on each of many accounts makes the address wait."""
        for i in range(throttle.FREE_FAILURES + 1):
            _account(session, f"user{i}")
        for i in range(throttle.FREE_FAILURES + 1):
            service.sign_in(session, username=f"user{i}", password="wrong", address="10.0.0.9")
        outcome = service.sign_in(session, username="user0", password=PASSWORD, address="10.0.0.9")
        assert outcome.account is None
        assert outcome.retry_after_seconds > 0

    def test_other_address_unaffected(self, session: Session) -> None:
        """A throttled address does not stop a right password from another address."""
        _account(session, "nadia")
        for _ in range(throttle.FREE_FAILURES + 1):
            service.sign_in(session, username="ghost", password="x", address="10.0.0.9")
        outcome = service.sign_in(session, username="nadia", password=PASSWORD, address="10.0.0.7")
        assert outcome.account is not None

    def test_unknown_usernames_count(self, session: Session) -> None:
        """Failures against names that do not exist count for the address too."""
        for _ in range(throttle.FREE_FAILURES + 1):
            service.sign_in(session, username="ghost", password="x", address="10.0.0.5")
        assert throttle.address_wait_seconds(session, "10.0.0.5") > 0

    def test_few_failures_do_not_throttle(self, session: Session) -> None:
        """Up to the free failures, the address does not wait."""
        for _ in range(throttle.FREE_FAILURES):
            service.sign_in(session, username="ghost", password="x", address="10.0.0.4")
        assert throttle.address_wait_seconds(session, "10.0.0.4") == 0

    def test_address_from_request_context(self, session: Session) -> None:
        """Without an explicit address, the current request's client address is used."""
        token = context.enter(context.RequestContext(client_address="10.9.9.9"))
        try:
            for _ in range(throttle.FREE_FAILURES + 1):
                service.sign_in(session, username="ghost", password="x")
        finally:
            context.leave(token)
        assert throttle.address_wait_seconds(session, "10.9.9.9") > 0


class TestSessionRotation:
    """Every sign-in opens a new session and ends the one the browser held."""

    def test_new_id_and_old_cookie_dead(self, session: Session) -> None:
        """Signing in again with an old cookie gives a new one; the old stops working."""
        account = _account(session, "nadia")
        old, _ = service.open_web_session(session, account=account, hours=1)
        new, _ = service.open_web_session(session, account=account, hours=1, replacing=old)
        assert new != old
        assert service.web_session_actor(session, old) is None
        assert service.web_session_actor(session, new) is not None

    def test_cookie_of_request_replaced(self, session: Session) -> None:
        """The cookie the current request carries is the one replaced by default."""
        account = _account(session, "nadia")
        planted, _ = service.open_web_session(session, account=account, hours=1)
        token = context.enter(context.RequestContext(session_cookie=planted))
        try:
            service.open_web_session(session, account=account, hours=1)
        finally:
            context.leave(token)
        assert service.web_session_actor(session, planted) is None

    def test_console_sign_in_rotates(self, db: Database, client: TestClient) -> None:
        """Through the console's form, a second sign-in invalidates the first cookie."""
        with db.session_scope() as s:
            _account(s, "nadia")
        browser = TestClient(client.app, base_url="http://testserver")
        cookies = []
        for _ in range(2):
            page = browser.get("/login")
            csrf = page.text.split('name="login_csrf" value="', 1)[1].split('"', 1)[0]
            browser.post(
                "/login",
                data={"username": "nadia", "password": PASSWORD, "login_csrf": csrf},
                follow_redirects=False,
            )
            cookies.append(browser.cookies.get("muster_session"))
        assert cookies[0] != cookies[1]
        stale = TestClient(client.app, cookies={"muster_session": str(cookies[0])})
        assert stale.get("/api/v1/me").status_code == 401


def _reader(db: Database, client: TestClient, **binding: object) -> tuple[TestClient, dict]:
    with db.session_scope() as s:
        st = build_station(s)
        st.add_person("V0", Affiliation.VISITOR, party=st.vessel, zone="south")
        ids = {k: p.id for k, p in st.portals.items()}
        _account(s, "south-post")
        if binding.get("portal_id") == "south":
            binding["portal_id"] = ids["South airlock"]
        _t, secret = service.create_token(
            s, name="reader", username="south-post", scopes=[], actor=Actor.system("t"), **binding
        )
    return TestClient(client.app, headers={"Authorization": f"Bearer {secret}"}), ids


class TestPortalBoundToken:
    """A reader's token decides and records only at its own portal."""

    def test_own_portal_allowed(self, db: Database, client: TestClient) -> None:
        """A request at the bound portal is decided."""
        reader, ids = _reader(db, client, portal_id="south")
        url = f"/api/v1/portals/{ids['South airlock']}/requests"
        r = reader.post(url, json={"persons": ["V0"], "direction": "exit"})
        assert r.status_code == 200, r.text

    def test_other_portal_refused(self, db: Database, client: TestClient) -> None:
        """A request at another portal is refused, naming the binding."""
        reader, ids = _reader(db, client, portal_id="south")
        url = f"/api/v1/portals/{ids['West airlock']}/requests"
        r = reader.post(url, json={"persons": ["V0"], "direction": "exit"})
        assert r.status_code == 403
        assert "bound to another portal" in r.json()["detail"]

    def test_other_actions_refused(self, db: Database, client: TestClient) -> None:
        """The reader's token cannot read head counts, though its guard account could."""
        reader, _ids = _reader(db, client, portal_id="south")
        assert reader.get("/api/v1/presence").status_code == 403

    def test_unbound_token_of_same_account_works_elsewhere(
        self, db: Database, client: TestClient
    ) -> None:
        """Without a binding the same account's token decides at any portal."""
        reader, ids = _reader(db, client)
        url = f"/api/v1/portals/{ids['West airlock']}/requests"
        r = reader.post(url, json={"persons": ["V0"], "direction": "exit"})
        assert r.status_code == 200, r.text

    def test_unknown_portal_refused_at_creation(self, session: Session) -> None:
        """A token cannot be bound to a portal that does not exist."""
        _account(session, "south-post")
        with pytest.raises(Exception, match="no portal"):
            service.create_token(
                session,
                name="r",
                username="south-post",
                scopes=[],
                portal_id="nope",
                actor=Actor.system("t"),
            )


class TestAdministrativeAudit:
    """Account, token and sign-in changes each leave an event."""

    def test_events_written(self, session: Session) -> None:
        """Creating, re-passwording, token create/revoke and sign-out are recorded."""
        admin = Actor.system("t")
        account = _account(session, "nadia")
        service.set_password(session, username="nadia", password="another long one", actor=admin)
        service.create_token(session, name="tk", username="nadia", scopes=[], actor=admin)
        service.revoke_token(session, name="tk", actor=admin)
        raw, _ = service.open_web_session(session, account=account, hours=1)
        service.close_web_session(session, raw)
        kinds = set(session.scalars(select(Event.kind)))
        assert {
            "auth.account.created",
            "auth.account.password_set",
            "auth.token.created",
            "auth.token.revoked",
            "auth.signin",
            "auth.signout",
        } <= kinds

    def test_token_secret_shown_once(self, client: TestClient) -> None:
        """The secret is in the creation response and in no listing."""
        created = client.post("/api/v1/tokens", json={"name": "x", "username": "admin-test"})
        assert created.status_code == 201
        secret = created.json()["token"]
        listing = client.get("/api/v1/tokens").text
        assert secret not in listing
        assert secret.split("_", 2)[2] not in listing  # mst_<id>_<secret>; "_" may be in it


class TestInvalidBearerToken:
    """A bearer token that does not authenticate gets RFC 6750's 401 invalid_token."""

    @pytest.mark.parametrize("secret", ["mst_nope_nope", "hello", "mst_x"])
    def test_unknown_or_malformed_token(self, client: TestClient, secret: str) -> None:
        """An unknown or malformed token is 401 with a Bearer invalid_token challenge."""
        r = client.get("/api/v1/me", headers={"authorization": f"Bearer {secret}"})
        assert r.status_code == 401, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert r.headers["www-authenticate"].startswith('Bearer error="invalid_token"')

    def test_revoked_token(self, client: TestClient) -> None:
        """A revoked token is 401 invalid_token, and says it was revoked."""
        made = client.post("/api/v1/tokens", json={"name": "gone", "username": "admin-test"})
        auth = {"authorization": f"Bearer {made.json()['token']}"}
        assert client.delete("/api/v1/tokens/gone").status_code == 200
        r = client.get("/api/v1/me", headers=auth)
        assert r.status_code == 401
        assert "revoked" in r.json()["detail"]
        assert 'error="invalid_token"' in r.headers["www-authenticate"]

    def test_no_credentials_get_a_challenge(self, client: TestClient) -> None:
        """A request without any sign-in is 401 with a Bearer challenge and no error code."""
        r = TestClient(client.app).get("/api/v1/me")
        assert r.status_code == 401
        assert r.headers["www-authenticate"] == 'Bearer realm="muster"'
