"""The counts a node's leading sealer publishes for its writers never go back.

A sealer process that finds out late that it lost the leadership (its database session
died after a worker's sealer took the lock over) steps down and publishes once more. It
used to write its own older counts over the new leader's, and a writer that then read the
passes begun would wait for one already drained: told its events were sealed before any
pass after its commit ran (found by review).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from muster.events.seal_process import SealerLink


@pytest.fixture
def links() -> Iterator[tuple[SealerLink, SealerLink]]:
    """Two sealers' ends of one node's link: the old leader's and its successor's."""
    old = SealerLink.create()
    new = SealerLink(old.folder)
    yield old, new
    for link in (old, new):
        link.close()
    shutil.rmtree(old.folder, ignore_errors=True)


def test_a_late_step_down_keeps_the_new_leaders_counts(
    links: tuple[SealerLink, SealerLink],
) -> None:
    """Old leads and drains pass 3; the new one takes over and drains pass 5; the old one
    steps down: the counts stay at 5, and a writer that read them waits for a later pass."""
    old, new = links
    old.lead(True)
    for _ in range(2):
        number = old.begin_pass()
        old.drained(number)
    assert old.counters()[1:3] == (3, 3)  # taking over counts one pass: 1, then 2 and 3

    new.lead(True)  # the old one's session died; this one holds the lock now
    number = new.begin_pass()
    new.drained(number)
    assert new.counters()[1:3] == (5, 5)

    old.lead(False)  # the old one finds out only now
    _leads, begun, drained, _tried = new.counters()
    assert (begun, drained) == (5, 5)
    assert not new.wait_drained(begun, timeout=0.05)  # no pass after 5 has drained yet


def test_a_pass_is_numbered_above_every_published_pass(
    links: tuple[SealerLink, SealerLink],
) -> None:
    """A sealer that begins a pass after another published higher counts numbers it above
    them, so a writer waiting for a pass after the published count is not left waiting."""
    old, new = links
    new.lead(True)
    for _ in range(3):
        new.drained(new.begin_pass())
    old.lead(True)  # for a moment both read the FIFO (the lock decides who seals)
    assert old.begin_pass() > new.counters()[2]
