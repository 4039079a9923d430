"""The station's clock as a browser test controls it: the served app runs some minutes ahead.

The console server runs in a thread of its own, so a test cannot freeze its clock with
``clock.frozen_at`` around a block; this wrapper sets the station clock for each request
instead, ``ahead`` of the real time once a test moves it on (a permit lapsing, say).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from starlette.types import ASGIApp, Receive, Scope, Send

from muster import clock


class StationClock:
    """An ASGI app whose requests see the station clock moved on by ``ahead``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.ahead = timedelta(0)

    def move_on(self, by: timedelta) -> None:
        """Move the station clock on (every later request sees the later time)."""
        self.ahead += by

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.ahead:
            await self.app(scope, receive, send)
            return
        with clock.frozen_at(datetime.now(UTC) + self.ahead):
            await self.app(scope, receive, send)
