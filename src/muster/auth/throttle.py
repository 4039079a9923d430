"""Sign-in throttling per client address, shared by every node through the database.

The per-account delay (``service.sign_in``) stops guessing one account's password; it does
not stop one address trying a few passwords on each of many accounts (password spraying).
So failures are also counted per address in a window: past ``FREE_FAILURES`` in one window
the address waits, doubling up to ``MAX_DELAY_SECONDS``. A success does not clear the count
(else one valid account would let an attacker reset it); the window ending does.

The count lives in a table rather than in memory so that two nodes behind one proxy share
it and a restart does not forget it; it costs one row read and write per failed attempt.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from muster import clock
from muster.auth.models import SigninThrottle

FREE_FAILURES = 10
WINDOW = timedelta(minutes=15)
MAX_DELAY_SECONDS = 300


def _row(session: Session, address: str, *, lock: bool) -> SigninThrottle | None:
    query = select(SigninThrottle).where(SigninThrottle.address == address)
    if lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalar(query)


def address_wait_seconds(session: Session, address: str) -> int:
    """Seconds ``address`` must still wait before its next sign-in attempt (0: none)."""
    if not address:
        return 0
    row = _row(session, address, lock=False)
    now = clock.now()
    if row is None or row.locked_until is None or row.locked_until <= now:
        return 0
    return int((row.locked_until - now).total_seconds()) + 1


def record_failure(session: Session, address: str) -> int:
    """Count one failed sign-in from ``address``; return its failures in this window."""
    if not address:
        return 0
    now = clock.now()
    row = _row(session, address, lock=True)
    if row is None:
        try:
            with session.begin_nested():
                row = SigninThrottle(address=address, failures=0, window_started=now)
                session.add(row)
        except IntegrityError:  # another node inserted it first
            row = _row(session, address, lock=True)
            assert row is not None
    if now - row.window_started > WINDOW:
        row.failures, row.window_started, row.locked_until = 0, now, None
    row.failures += 1
    if row.failures > FREE_FAILURES:
        delay = min(2 ** (row.failures - FREE_FAILURES), MAX_DELAY_SECONDS)
        row.locked_until = now + timedelta(seconds=delay)
    return row.failures
