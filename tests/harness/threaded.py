"""A uvicorn server in a thread of the test process, started and stopped on events.

uvicorn offers no event to await its start, so ``start_server`` polls ``server.started``
with ``until``'s generous failsafe bound and fails at once, with a message, if the thread
died; no test depends on how fast a loaded machine starts it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from harness.nodes import free_port
from harness.waiting import until


def start_server(app: Any, port: int, **config: Any) -> tuple[uvicorn.Server, threading.Thread]:
    """Serve ``app`` on 127.0.0.1:``port`` in a daemon thread; return once it listens."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **config)
    )
    thread = threading.Thread(target=server.run, name=f"test-server-{port}", daemon=True)
    thread.start()
    if not until(lambda: server.started or not thread.is_alive()) or not server.started:
        raise RuntimeError(f"the test server on port {port} did not start")
    return server, thread


def stop_server(server: uvicorn.Server, thread: threading.Thread) -> None:
    """Ask the server to exit and wait for its thread (open streams are cut)."""
    server.should_exit = True
    thread.join(timeout=60)


@contextmanager
def serving(app: Any, **config: Any) -> Iterator[str]:
    """Serve ``app`` on a free port in a thread while the block runs; its base URL."""
    port = free_port()
    server, thread = start_server(app, port, **config)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_server(server, thread)
