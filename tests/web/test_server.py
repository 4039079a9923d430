"""The server's limits on slow request bodies, over a real socket."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator

import pytest
import uvicorn

from muster.config import Mode, Settings
from muster.db import Database
from muster.web.app import create_app
from muster.web.problems import BodyLimit
from muster.web.server import uvicorn_options

PARTIAL = (
    b"POST /api/v1/accounts HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
    b"Content-Length: 1000\r\n\r\n" + b'{"username": "sl'
)


@pytest.fixture
def server_port(db: Database) -> Iterator[int]:
    """A real uvicorn server on a free local port, with a short body read time."""
    settings = Settings(mode=Mode.DEV, database_url=db.url, body_read_seconds=0.5, log_json=False)
    options = uvicorn_options(settings, host="127.0.0.1", port=0)
    app = create_app(settings, db, run_scheduler=False)
    server = uvicorn.Server(uvicorn.Config(app, **options))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()  # connections queue here until the server takes them
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]})
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join()
        listener.close()


def _read_until_closed(conn: socket.socket) -> bytes:
    received = b""
    while chunk := conn.recv(65536):
        received += chunk
    return received


class TestSlowBody:
    """A body that never finishes is answered 408 and its connection closed."""

    def test_partial_body_is_cut_off(self, server_port: int) -> None:
        """Headers and part of a body, then silence: 408 problem+json, then the server closes."""
        with socket.create_connection(("127.0.0.1", server_port)) as conn:
            # A guard against a hang if the limit were gone, not a measurement.
            conn.settimeout(60)
            conn.sendall(PARTIAL)
            answer = _read_until_closed(conn)
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408 "), answer[:200]
        assert b"content-type: application/problem+json" in head.lower()
        assert b"connection: close" in head.lower()
        assert b"not complete within 0.5 seconds" in body

    def test_whole_body_still_served(self, server_port: int) -> None:
        """A body sent in full is read and answered as usual (here 401: no sign-in)."""
        body = b'{"username": "x"}'
        request = (
            b"POST /api/v1/accounts HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            b"Connection: close\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )
        with socket.create_connection(("127.0.0.1", server_port)) as conn:
            conn.settimeout(60)
            conn.sendall(request)
            answer = _read_until_closed(conn)
        assert not answer.startswith(b"HTTP/1.1 408 "), answer[:200]


class TestBodyReaders:
    """Past the number of requests waiting for a body, one more is refused at once."""

    def test_one_reader_too_many_gets_503(self) -> None:
        """With one slot taken by a stalled body, the next request with a body gets 503."""

        async def scenario() -> list[int]:
            entered = asyncio.Event()
            never = asyncio.Event()

            async def app(scope: object, receive: object, send: object) -> None:
                await receive()  # type: ignore[operator]

            async def stalled() -> dict[str, object]:
                entered.set()
                await never.wait()
                return {"type": "http.disconnect"}

            async def complete() -> dict[str, object]:
                return {"type": "http.request", "body": b"{}", "more_body": False}

            limit = BodyLimit(app, limit=1000, read_seconds=3600, readers=1)  # type: ignore[arg-type]
            scope = {"type": "http", "method": "POST", "headers": [(b"content-length", b"2")]}
            statuses: list[int] = []

            async def send(message: dict[str, object]) -> None:
                if message["type"] == "http.response.start":
                    statuses.append(int(message["status"]))  # type: ignore[call-overload]

            first = asyncio.create_task(limit(scope, stalled, send))  # type: ignore[arg-type]
            await entered.wait()
            await limit(scope, complete, send)  # type: ignore[arg-type]
            first.cancel()
            with pytest.raises(asyncio.CancelledError):
                await first
            await limit(scope, complete, send)  # type: ignore[arg-type]
            return statuses

        # The second request is refused while the first waits; once the first is gone
        # (its slot released), a third is let through to the app (which sends nothing).
        assert asyncio.run(scenario()) == [503]
