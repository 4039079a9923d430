"""Signing in and out of the console, its session cookie and its form tokens."""

from __future__ import annotations

from .helpers import PASSWORD, ConsoleKit, csrf_of, login_token, sign_in


class TestSignInRequired:
    """A browser without a session is sent to the sign-in page."""

    def test_overview_redirects_to_login(self, console: ConsoleKit) -> None:
        response = console.browser().get("/")
        assert response.status_code == 303
        assert response.headers["location"] == "/login"

    def test_deep_link_is_kept_for_after_sign_in(self, console: ConsoleKit) -> None:
        response = console.browser().get("/people?q=Lisa")
        assert response.headers["location"] == "/login?next=%2Fpeople%3Fq%3DLisa"

    def test_fragments_and_stream_need_a_session(self, console: ConsoleKit) -> None:
        client = console.browser()
        assert client.get("/fragments/feed").headers["location"].startswith("/login")
        assert client.get("/console/stream").headers["location"].startswith("/login")

    def test_bearer_token_does_not_open_console_pages(self, client: object) -> None:
        from fastapi.testclient import TestClient

        assert isinstance(client, TestClient)
        response = client.get("/", follow_redirects=False)
        assert response.status_code == 303


class TestSignIn:
    """The sign-in form opens a session and says plainly what went wrong."""

    def test_wrong_password_is_named(self, console: ConsoleKit) -> None:
        name = console.account("commander")
        client = console.browser()
        token = login_token(client.get("/login").text)
        response = client.post(
            "/login", data={"username": name, "password": "not it at all", "login_csrf": token}
        )
        assert response.status_code == 401
        assert "Wrong username or password" in response.text
        assert "muster_session" not in response.cookies

    def test_repeated_failures_ask_to_wait(self, console: ConsoleKit) -> None:
        name = console.account("commander")
        client = console.browser()
        statuses = []
        for _ in range(4):
            token = login_token(client.get("/login").text)
            response = client.post(
                "/login", data={"username": name, "password": "wrong guess!", "login_csrf": token}
            )
            statuses.append(response.status_code)
        assert statuses[-1] == 429
        assert "Try again in" in response.text
        assert int(response.headers["retry-after"]) >= 1

    def test_session_cookie_is_http_only_and_strict(self, console: ConsoleKit) -> None:
        name = console.account("commander")
        client = console.browser()
        token = login_token(client.get("/login").text)
        response = client.post(
            "/login", data={"username": name, "password": PASSWORD, "login_csrf": token}
        )
        cookie = response.headers["set-cookie"].lower()
        assert "muster_session=" in cookie
        assert "httponly" in cookie
        assert "samesite=strict" in cookie
        assert "secure" not in cookie.split("muster_login_csrf")[0]

    def test_session_cookie_is_secure_over_https(self, console: ConsoleKit) -> None:
        from fastapi.testclient import TestClient

        name = console.account("commander")
        client = TestClient(console.app, base_url="https://testserver", follow_redirects=False)
        console.clients.append(client)
        token = login_token(client.get("/login").text)
        response = client.post(
            "/login", data={"username": name, "password": PASSWORD, "login_csrf": token}
        )
        assert "secure" in response.headers["set-cookie"].lower().split("muster_login_csrf")[0]

    def test_next_goes_only_to_this_site(self, console: ConsoleKit) -> None:
        name = console.account("commander")
        client = console.browser()
        token = login_token(client.get("/login").text)
        response = client.post(
            "/login",
            data={
                "username": name,
                "password": PASSWORD,
                "login_csrf": token,
                "next": "//elsewhere.example/",
            },
        )
        assert response.headers["location"] == "/"

    def test_sign_in_form_without_its_token_is_refused(self, console: ConsoleKit) -> None:
        name = console.account("commander")
        client = console.browser()
        client.get("/login")
        response = client.post(
            "/login", data={"username": name, "password": PASSWORD, "login_csrf": "forged"}
        )
        assert response.status_code == 403
        assert "muster_session" not in response.cookies


class TestCsrf:
    """Every console form POST must carry the session's own token."""

    def test_sign_out_without_token_is_refused(self, console: ConsoleKit) -> None:
        client = console.signed_in("commander")
        response = client.post("/logout", data={})
        assert response.status_code == 403
        assert client.get("/").status_code == 200

    def test_sign_out_with_another_sessions_token_is_refused(self, console: ConsoleKit) -> None:
        mine = console.signed_in("commander")
        other = console.signed_in("commander")
        foreign = csrf_of(other.get("/").text)
        response = mine.post("/logout", data={"csrf_token": foreign})
        assert response.status_code == 403


class TestSignOut:
    """Signing out ends the session at once."""

    def test_cookie_stops_working(self, console: ConsoleKit) -> None:
        name = console.account("officer")
        client = sign_in(console.browser(), name)
        cookie = client.cookies.get("muster_session")
        token = csrf_of(client.get("/").text)
        response = client.post("/logout", data={"csrf_token": token})
        assert response.status_code == 303
        assert response.headers["location"] == "/login"
        replay = console.browser()
        replay.cookies.set("muster_session", str(cookie))
        assert replay.get("/").status_code == 303
