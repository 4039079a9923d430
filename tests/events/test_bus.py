"""Tests for muster.events.bus: wake-ups and the ring of recent events."""

from __future__ import annotations

import asyncio

from muster.events.bus import Bus


def _event(seq: int, prev: str) -> dict[str, object]:
    return {"seq": seq, "prev_hash": prev, "hash": f"h{seq}"}


class TestRecentAfter:
    """Memory gives only gapless runs that link to what the reader already has."""

    def test_gapless_run(self) -> None:
        """Consecutive events come back in order."""
        bus = Bus()
        bus.publish([_event(1, "h0"), _event(2, "h1")])
        assert [e["seq"] for e in bus.recent_after(0, 10) or []] == [1, 2]

    def test_gap_means_read_the_log(self) -> None:
        """A missing event (published out of order) yields None, not a skip."""
        bus = Bus()
        bus.publish([_event(2, "h1")])
        assert bus.recent_after(0, 10) is None

    def test_broken_link_means_read_the_log(self) -> None:
        """An event that does not link to the reader's last hash is not trusted."""
        bus = Bus()
        bus.publish([_event(3, "other")])
        assert bus.recent_after(2, 10, last_hash="h2") is None


class TestReplacedLog:
    """A log emptied or restored under the process is not answered from the old memory."""

    def test_a_seq_held_with_another_hash_starts_memory_again(self) -> None:
        """The new log's first event clears the old one's: the old tail is not served as
        news, and the newest seq known is the new log's."""
        bus = Bus()
        bus.publish([_event(seq, f"h{seq - 1}") for seq in range(1, 301)])
        bus.publish([{"seq": 1, "prev_hash": "h0", "hash": "new1"}])
        assert bus.latest_seq == 1
        assert bus.recent_after(0, 10) == [{"seq": 1, "prev_hash": "h0", "hash": "new1"}]
        assert bus.recent_after(1, 10, last_hash="new1") == []

    def test_an_event_not_linking_to_the_one_before_it_in_memory(self) -> None:
        """A restored log whose event 3 follows another event 2 clears memory too."""
        bus = Bus()
        bus.publish([_event(1, "h0"), _event(2, "h1")])
        bus.publish([{"seq": 3, "prev_hash": "restored2", "hash": "h3"}])
        assert bus.latest_seq == 3
        assert bus.recent_after(0, 10) is None  # the old 1 and 2 are gone: read the log
        assert bus.recent_after(2, 10, last_hash="restored2") == [
            {"seq": 3, "prev_hash": "restored2", "hash": "h3"}
        ]

    def test_the_next_event_of_the_same_log_keeps_memory(self) -> None:
        """An event that links to the one before it is the same log: nothing dropped."""
        bus = Bus()
        bus.publish([_event(1, "h0")])
        bus.publish([_event(2, "h1")])
        assert [e["seq"] for e in bus.recent_after(0, 10) or []] == [1, 2]

    def test_forget_lowers_the_newest_seq(self) -> None:
        """After forget() a reader waiting at the new log's head is not woken at once by
        the old log's higher seq (which kept every console's stream reading in a loop)."""
        bus = Bus()
        bus.publish([_event(seq, f"h{seq - 1}") for seq in range(1, 51)])
        bus.forget()
        assert bus.latest_seq == 0
        assert bus.recent_after(0, 10) == []
        assert asyncio.run(bus.wait(10, 0.05)) is False


class TestWait:
    """Waiting returns on news or after the timeout, and leaves no waiter behind."""

    def test_wakes_on_publish(self) -> None:
        """A publish from another task wakes the waiter early."""
        bus = Bus()

        async def scenario() -> bool:
            loop = asyncio.get_running_loop()
            loop.call_later(0.05, bus.publish, [_event(1, "h0")])
            return await bus.wait(0, 5)

        assert asyncio.run(scenario()) is True
        assert bus.waiting == 0

    def test_times_out(self) -> None:
        """Without news, wait returns False after the timeout."""
        assert asyncio.run(Bus().wait(0, 0.05)) is False

    def test_many_waiters_time_out_together(self) -> None:
        """A thousand readers waiting at once all time out (on shared timers), woken or not,
        and none is left registered."""
        bus = Bus()

        async def scenario() -> list[bool]:
            loop = asyncio.get_running_loop()
            first = [asyncio.ensure_future(bus.wait(0, 0.2)) for _ in range(500)]
            loop.call_later(0.01, bus.publish, [_event(1, "h0")])
            woken = await asyncio.gather(*first)
            later = await asyncio.gather(*(bus.wait(1, 0.05) for _ in range(500)))
            return [*woken, *later]

        results = asyncio.run(scenario())
        assert results[:500] == [True] * 500
        assert results[500:] == [False] * 500
        assert bus.waiting == 0

    def test_a_cancelled_wait_leaves_no_waiter(self) -> None:
        """A reader that goes away while it waits (its task cancelled, as Starlette does
        when a console disconnects) is no longer registered, and the others still wake."""
        bus = Bus()

        async def scenario() -> tuple[int, int, bool]:
            gone = asyncio.ensure_future(bus.wait(0, 5))
            staying = asyncio.ensure_future(bus.wait(0, 5))
            await asyncio.sleep(0)
            both = bus.waiting
            gone.cancel()
            await asyncio.gather(gone, return_exceptions=True)
            left = bus.waiting
            bus.publish([_event(1, "h0")])
            return both, left, await staying

        assert asyncio.run(scenario()) == (2, 1, True)
        assert bus.waiting == 0
