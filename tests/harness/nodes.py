"""Running Muster app nodes as child processes: for the multi-node tests, the crash harness
and ``bench/nodes.py``.

A node is ``muster serve`` on a free local port with its own environment; it can be waited
for (``/readyz``), killed with SIGKILL (a power cut, as far as the node can tell) and
started again on the same port. Given a ``Zygote`` it is forked from a pre-loaded parent
(milliseconds) instead of exec'd (seconds of imports).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from harness.zygote import Zygote, kill_pid
from muster.db import Base, Database
from muster.migrate import alembic_config


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare_for_nodes(db: Database) -> None:
    """Create every table from the models and mark the schema current, so nodes start.

    Tests and benchmarks build tables from the models (like tests/conftest.py); stamping
    the newest migration stops ``muster serve`` refusing the database as stale.
    """
    import muster.models  # noqa: F401  (every domain's tables)

    Base.metadata.create_all(db.engine)
    stamp_head(db)


def stamp_head(db: Database) -> None:
    """Mark a database whose tables were made from the models as at the newest migration."""
    from alembic import command

    config = alembic_config()
    with db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.stamp(config, "head")


def muster_command() -> list[str]:
    """The command that runs the ``muster`` CLI of this interpreter's environment."""
    script = Path(sys.executable).with_name("muster")
    if script.exists():
        return [str(script)]
    found = shutil.which("muster")
    if found:
        return [found]
    return [sys.executable, "-c", "from muster.cli.main import main; main()"]


@dataclass
class Node:
    """One ``muster serve`` child process on ``port``."""

    database_url: str
    port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=dict)
    log_path: Path | None = None
    zygote: Zygote | None = None
    process: subprocess.Popen[bytes] | None = None
    pid: int | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        """Base URL of the node."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the process (again, after a kill, on the same port)."""
        env = {
            **os.environ,
            "MUSTER_DATABASE_URL": self.database_url,
            "MUSTER_MODE": "dev",
            "MUSTER_HOST": "127.0.0.1",
            "MUSTER_PORT": str(self.port),
            "MUSTER_LOG_LEVEL": "WARNING",
            **self.env,
        }
        self.starts += 1
        if self.zygote is not None:
            log = self.log_path or Path(os.devnull)
            self.pid = self.zygote.spawn(self.port, log, {**env, "MUSTER_LOG_JSON": "true"})
            return
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [*muster_command(), "serve"], env=env, stdout=out, stderr=out, start_new_session=True
        )
        if self.log_path:
            out.close()  # type: ignore[union-attr]
        self.pid = self.process.pid

    def wait_ready(self, timeout: float = 60.0) -> float:
        """Wait until ``/readyz`` says ready; return the seconds it took."""
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            if not self.alive:
                raise RuntimeError(f"node on port {self.port} exited; see {self.log_path}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1.0).status_code == 200:
                    return time.monotonic() - began
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise TimeoutError(f"node on port {self.port} not ready after {timeout} s")

    def kill(self) -> None:
        """SIGKILL the node: no shutdown, no flush, connections cut mid-request."""
        if self.process is not None:
            if self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        elif self.pid is not None:
            kill_pid(self.pid)

    def stop(self) -> None:
        """Stop the node politely (SIGTERM), then by force if it lingers."""
        if not self.alive or self.pid is None:
            return
        os.killpg(self.pid, signal.SIGTERM)
        end = time.monotonic() + 10
        while self.alive and time.monotonic() < end:
            time.sleep(0.05)
        self.kill()

    @property
    def alive(self) -> bool:
        """True while the process runs."""
        if self.process is not None:
            return self.process.poll() is None
        if self.pid is None:
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        return True
