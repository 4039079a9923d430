"""A PostgreSQL node's sealer in a process of its own, beside the server's workers.

``muster serve`` on PostgreSQL starts it before the workers (``start_node_sealer``), so
the node's sealer does not share an interpreter lock with the request handlers and
writers whose events it seals. It is the same ``Sealer`` as every worker runs: it takes
the leadership lock first, and the workers' sealer threads stand by; when this process
dies, one of them (or another node's) takes the lock over within ``STANDBY_RETRY``.

The node's processes meet in a folder named in ``MUSTER_SEALER_DIR`` (``SealerLink``):

- ``wake``, a FIFO that whichever of the node's sealers leads reads. A writer of another
  process of the node writes one byte after its commit, as an in-process writer writes to
  its sealer's pipe. While nobody reads it (no sealer of this node leads), opening it
  fails, and the writer wakes the leader with ``NOTIFY muster_pending`` in its
  transaction, as before. A NOTIFY costs the writer more than a statement: PostgreSQL
  serialises the commits of notifying transactions, ``fsync`` included.
- ``state``, 32 bytes that the leader keeps: which process leads, how many passes it began,
  the last pass that left ``pending_events`` empty, and whether it has tried for the lock
  yet. A writer that waits for its seal reads the passes begun after its commit and waits
  for a later pass that drained, as a waiter in the leader's own process does.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import mmap
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

SEALER_DIR_ENV = "MUSTER_SEALER_DIR"
_PREFIX = "muster-sealer-"
_STATE = struct.Struct("<QQQQ")  # leads, passes begun, last drained pass, tried the lock
READY_SECONDS = 10.0  # how long ``muster serve`` waits for its sealer to try for the lock
LINK_POLL = 0.0005  # seconds between a waiting process's looks at the leader's counts


class SealerLink:
    """The folder through which one node's processes reach the node's leading sealer."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self._wake_path = os.path.join(folder, "wake")
        # Kept open: the leader writes the counts under an exclusive lock on it (``_publish``).
        self._state_fd = os.open(os.path.join(folder, "state"), os.O_RDWR)
        self._state = mmap.mmap(self._state_fd, _STATE.size)
        self._lock = threading.Lock()
        self._writer: int | None = None  # a writer's end of ``wake``
        self._reader: tuple[int, int] | None = None  # the leader's (read end, its own write end)
        self._begun = self._drained = 0  # the leader's counts, as published
        self._waits = threading.Condition()  # writers waiting for a drained pass
        self._waiting = 0
        self._watcher: threading.Thread | None = None

    @classmethod
    def create(cls) -> SealerLink:
        """A new folder for a node (``muster serve``, the benchmark), owned by this process.
        Folders left by nodes that were killed (their owner is gone) are removed first."""
        _remove_orphans()
        folder = tempfile.mkdtemp(prefix=_PREFIX)
        os.mkfifo(os.path.join(folder, "wake"), 0o600)
        with open(os.path.join(folder, "state"), "wb") as state:
            state.write(bytes(_STATE.size))
        with open(os.path.join(folder, "owner"), "w") as owner:
            owner.write(str(os.getpid()))
        return cls(folder)

    @classmethod
    def from_environment(cls) -> SealerLink | None:
        """The node's link named in ``MUSTER_SEALER_DIR``, if any."""
        folder = os.environ.get(SEALER_DIR_ENV)
        if not folder:
            return None
        try:
            return cls(folder)
        except OSError:
            return None

    def counters(self) -> tuple[int, int, int, int]:
        """(leads: the leading process's id or 0, passes begun, last drained pass, tried the
        lock)."""
        leads, begun, drained, tried = _STATE.unpack_from(self._state, 0)
        return leads, begun, drained, tried

    # The leading sealer's side (one process of the node at a time: the lock's holder).

    def lead(self, leading: bool) -> None:
        """Read ``wake`` while leading; stop reading it when not (writers then NOTIFY).

        Taking over, the count of passes begun moves on by one (a pass of the last leader
        may have begun and died), so no writer that read the count before takes a later
        drained pass of this leader for one begun after its commit unless it was."""
        if leading and self._reader is None:
            read_end = os.open(self._wake_path, os.O_RDONLY | os.O_NONBLOCK)
            # Its own write end too: without a writer a FIFO reads as ended, always ready.
            self._reader = (read_end, os.open(self._wake_path, os.O_WRONLY | os.O_NONBLOCK))
            with self._locked_state():
                _leads, begun, drained, _tried = self.counters()
                self._begun, self._drained = begun + 1, drained
                self._write()
        elif not leading and self._reader is not None:
            for fd in self._reader:
                os.close(fd)
            self._reader = None
            self._publish()

    def begin_pass(self) -> int:
        """A pass begins (before it reads ``pending_events``): its number, above every
        number published so far."""
        with self._locked_state():
            self._begun = max(self._begun, self.counters()[1]) + 1
            self._write()
        return self._begun

    def drained(self, number: int) -> None:
        """Pass ``number`` left ``pending_events`` empty."""
        self._drained = max(self._drained, number)
        self._publish()

    def _publish(self) -> None:
        """Write this process's counts, never below what is there: a leader that finds out
        late that it lost the lock (its database session died after another took it over)
        must not put back its older counts, or a writer reading them would wait for a pass
        already drained and be told its events were sealed before they were (review). The
        flag says who leads; one that stops leading clears it only if it is still its own."""
        with self._locked_state():
            self._write()

    def _write(self) -> None:
        """The counts, each at least what is there, and the flag: this process's id while it
        leads, cleared if it was this process's, else left (called under the lock)."""
        found, begun, drained, _tried = self.counters()
        mine = os.getpid()
        leads = mine if self._reader is not None else 0 if found == mine else found
        begun, drained = max(begun, self._begun), max(drained, self._drained)
        _STATE.pack_into(self._state, 0, leads, begun, drained, 1)

    @contextlib.contextmanager
    def _locked_state(self) -> Iterator[None]:
        """The state file locked against the node's other processes (flock)."""
        fcntl.flock(self._state_fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._state_fd, fcntl.LOCK_UN)

    def tried(self) -> None:
        """This process's sealer has tried for the lock (``muster serve`` waits for it)."""
        struct.pack_into("<Q", self._state, 24, 1)

    @property
    def wake_fd(self) -> int | None:
        """The read end of ``wake`` while this process leads."""
        return self._reader[0] if self._reader is not None else None

    def drain(self) -> None:
        """Empty ``wake`` after a wake-up."""
        if self._reader is not None:
            with contextlib.suppress(BlockingIOError):
                os.read(self._reader[0], 4096)

    # A writer's side.

    def leads(self) -> bool:
        """Whether a sealer of this node leads and reads ``wake`` (then no NOTIFY is needed)."""
        if not self.counters()[0]:
            return False
        with self._lock:
            if self._writer is None:
                try:
                    self._writer = os.open(self._wake_path, os.O_WRONLY | os.O_NONBLOCK)
                except OSError:  # nobody reads it: the leader is elsewhere, or died
                    return False
            return True

    def wake(self) -> None:
        """Wake the node's leading sealer after a commit (a full FIFO has woken it already)."""
        with self._lock:
            writer = self._writer
            if writer is None:
                return
            try:
                os.write(writer, b"!")
            except BlockingIOError:
                return
            except OSError:  # its reader is gone: the standby sealers take over
                os.close(writer)
                self._writer = None

    def wait_drained(self, begun: int, timeout: float) -> bool:
        """Wait until a pass numbered above ``begun`` drained (True), the node's sealer
        stops leading or ``timeout`` seconds pass (False). One thread of the process
        looks at the counts every ``LINK_POLL`` seconds while any thread waits."""
        deadline = time.monotonic() + timeout
        with self._waits:
            self._waiting += 1
            try:
                if self._watcher is None:
                    self._watcher = threading.Thread(target=self._watch, daemon=True)
                    self._watcher.start()
                while True:
                    leads, _begun, drained, _tried = self.counters()
                    if drained > begun:
                        return True
                    remaining = deadline - time.monotonic()
                    if not leads or remaining <= 0:
                        return False
                    self._waits.wait(remaining)
            finally:
                self._waiting -= 1

    def _watch(self) -> None:
        last = -1
        while True:
            time.sleep(LINK_POLL)
            with self._waits:
                if not self._waiting:
                    self._watcher = None
                    return
                leads, _begun, drained, _tried = self.counters()
                if drained != last or not leads:
                    last = drained
                    self._waits.notify_all()

    def close(self) -> None:
        """Close this process's ends."""
        self.lead(False)  # if it led
        with self._lock:
            if self._writer is not None:
                os.close(self._writer)
                self._writer = None
        self._state.close()
        os.close(self._state_fd)


def _remove_orphans() -> None:
    for folder in glob.glob(os.path.join(tempfile.gettempdir(), _PREFIX + "*")):
        try:
            with open(os.path.join(folder, "owner")) as owner:
                os.kill(int(owner.read()), 0)
        except ProcessLookupError:  # its node died without cleaning up (SIGKILL)
            shutil.rmtree(folder, ignore_errors=True)
        except (OSError, ValueError):  # not ours to judge (another user's, or half made)
            continue


@dataclass
class NodeSealer:
    """The sealer process of a node, started by ``start_node_sealer``."""

    link: SealerLink
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        """Stop the process (its batch commits or rolls back) and remove the folder."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if os.environ.get(SEALER_DIR_ENV) == self.link.folder:
            del os.environ[SEALER_DIR_ENV]
        self.link.close()
        shutil.rmtree(self.link.folder, ignore_errors=True)


def start_node_sealer(database_url: str) -> NodeSealer:
    """Start this node's sealer process for ``database_url`` and name its folder in the
    environment (the workers started after this inherit it); returns once it has tried
    for the leadership lock (or after ``READY_SECONDS``)."""
    link = SealerLink.create()
    os.environ[SEALER_DIR_ENV] = link.folder
    env = {**os.environ, "MUSTER_DATABASE_URL": database_url}
    process = subprocess.Popen([sys.executable, "-m", "muster.events.seal_process"], env=env)
    deadline = time.monotonic() + READY_SECONDS
    while not link.counters()[3] and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    return NodeSealer(link, process)


def main() -> None:
    """The sealer process: seal for ``MUSTER_DATABASE_URL`` until told to stop or orphaned."""
    from muster.db import Database
    from muster.events.sealer import Sealer

    parent = os.getppid()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    db = Database(os.environ["MUSTER_DATABASE_URL"])
    sealer = Sealer(db.engine)
    sealer.ensure_running(keep=True)
    try:
        while not stop.wait(0.5) and os.getppid() == parent:
            sealer.ensure_running(keep=True)  # a thread that lost the database starts again
    finally:
        sealer.stop()
        db.dispose()


if __name__ == "__main__":
    main()
