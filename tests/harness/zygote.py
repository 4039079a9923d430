"""A pre-loaded parent that forks ``muster serve`` nodes in milliseconds, for fault tests.

Starting a node from scratch costs seconds of imports (every domain, PDF and graph
libraries). The crash harness kills nodes dozens of times, so it starts them from this
zygote instead: one process that has imported everything and forks a fresh child per start.
Each child is a complete node with its own engine, pool and server, exactly as ``muster
serve`` builds them, so a SIGKILL to it is a real crash; only the imports are shared.

Protocol on standard input/output, one line each: ``<port> <log path> <JSON env>`` in,
``<pid>`` out. The zygote ignores SIGCHLD, so the kernel reaps children as they die.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from importlib import import_module
from pathlib import Path
from typing import IO

# What each node would otherwise import when it starts serving: uvicorn's loop, protocols
# and lifespan (by name, from its config), the timed jobs.
NODE_MODULES = (
    "muster.web.server",
    "muster.scheduler",
    "anyio._backends._asyncio",
    "uvicorn.lifespan.on",
    "uvicorn.loops.auto",
    "uvicorn.loops.uvloop",
    "uvicorn.protocols.http.auto",
    "uvicorn.protocols.http.httptools_impl",
    "uvicorn.protocols.websockets.auto",
    "uvicorn.protocols.websockets.websockets_sansio_impl",
)


def _preload() -> None:
    # The app module imports every router, and so every domain and its tables. What each
    # node would otherwise do again after every restart, on its first requests, is done
    # once here (about a second a start under load): the routes' dependencies and
    # validators, the mappers' configuration, and the shipped policy's parse.
    import_module("muster.web.app").build_routes()
    for name in NODE_MODULES:
        import_module(name)
    import_module("sqlalchemy.orm").configure_mappers()
    import_module("muster.policy.engine").active_engine()


def _serve_child(port: int, log_path: str, env: dict[str, str]) -> None:
    os.setsid()
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.environ.update(env)
    os.environ["MUSTER_PORT"] = str(port)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    from muster.config import Settings
    from muster.db import Database
    from muster.web.server import prepare_database, run_server

    settings = Settings()
    db = Database(settings.database_url)
    prepare_database(db)
    run_server(settings, db, host="127.0.0.1", port=port)
    os._exit(0)


def main() -> None:
    """Pre-load, then fork one node per line read."""
    _preload()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    print("ready", flush=True)
    for line in sys.stdin:
        port, log_path, env_json = line.strip().split(" ", 2)
        pid = os.fork()
        if pid == 0:
            try:
                _serve_child(int(port), log_path, json.loads(env_json))
            finally:
                os._exit(1)
        print(pid, flush=True)


class Zygote:
    """The harness side: start the zygote once, then ``spawn`` nodes from it."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, str(Path(__file__))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._proc.stdout is not None
        if self._proc.stdout.readline().strip() != "ready":
            raise RuntimeError("the node zygote did not start")

    def spawn(self, port: int, log_path: Path, env: dict[str, str]) -> int:
        """Fork a node listening on ``port``; returns its pid."""
        stdin: IO[str] | None = self._proc.stdin
        assert stdin is not None
        assert self._proc.stdout is not None
        stdin.write(f"{port} {log_path} {json.dumps(env)}\n")
        stdin.flush()
        return int(self._proc.stdout.readline())

    def close(self) -> None:
        """Stop the zygote (its children are killed by their owners)."""
        self._proc.terminate()
        self._proc.wait(timeout=10)
        for pipe in (self._proc.stdin, self._proc.stdout):
            if pipe is not None:
                pipe.close()


def kill_pid(pid: int, timeout: float = 10.0) -> None:
    """SIGKILL a process group led by ``pid`` and wait until it is gone."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.01)


if __name__ == "__main__":
    main()
