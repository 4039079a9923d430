"""Tests for muster.comms.hub's registry: one running hub per database and event loop."""

from __future__ import annotations

import asyncio
from pathlib import Path

from muster.comms.hub import HandsetHub, hub_for
from muster.db import Database


async def _hub_and_whether_it_runs(db: Database) -> tuple[HandsetHub, bool]:
    hub = hub_for(db)
    running = hub._task is not None and not hub._task.done()
    await hub.stop()
    return hub, running


class TestHubFor:
    """A hub is never handed to a loop it does not run on, nor to another database."""

    def test_each_loop_gets_a_hub_running_on_it(self, tmp_path: Path) -> None:
        """Two loops one after the other (the second may reuse the first's id): each gets a
        hub of its own whose follower runs on it."""
        db = Database(f"sqlite:///{tmp_path / 'hub.db'}")
        try:
            first, first_running = asyncio.run(_hub_and_whether_it_runs(db))
            second, second_running = asyncio.run(_hub_and_whether_it_runs(db))
        finally:
            db.dispose()
        assert first_running
        assert second_running
        assert first is not second

    def test_the_same_loop_and_database_share_one_hub(self, tmp_path: Path) -> None:
        """Within one loop the hub is shared; another database has its own."""
        one = Database(f"sqlite:///{tmp_path / 'one.db'}")
        two = Database(f"sqlite:///{tmp_path / 'two.db'}")

        async def hubs() -> tuple[HandsetHub, HandsetHub, HandsetHub]:
            found = hub_for(one), hub_for(one), hub_for(two)
            for hub in {found[0], found[2]}:
                await hub.stop()
            return found

        try:
            a, b, c = asyncio.run(hubs())
        finally:
            one.dispose()
            two.dispose()
        assert a is b
        assert a is not c
        assert c.db is two
