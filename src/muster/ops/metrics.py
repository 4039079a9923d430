"""Prometheus metrics of a node, importable by every domain.

Counters of things that happened are fed from committed events (``count_committed``, called
by the event log after each commit), so a domain need not call anything to be counted:
decisions by outcome, escalations fired, events by domain. Latency is measured per HTTP
route by the request middleware. Gauges (live consoles, handsets) are read when scraped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

REGISTRY = CollectorRegistry(auto_describe=True)

DECISIONS = Counter(
    "muster_access_decisions",
    "Airlock decisions committed by this node, by outcome (allowed or denied).",
    ["outcome"],
    registry=REGISTRY,
)
ESCALATIONS = Counter(
    "muster_escalations_fired",
    "Unacknowledged messages escalated up the chain of command by this node.",
    registry=REGISTRY,
)
EVENTS = Counter(
    "muster_events_committed",
    "Events committed to the log by this node, by domain (the kind's first part).",
    ["domain"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "muster_http_request_seconds",
    "Time to answer an HTTP request, by method, route template and status class.",
    ["method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
SIGNIN_THROTTLED = Counter(
    "muster_signin_throttled",
    "Sign-in attempts refused because the account or the address must wait.",
    ["by"],
    registry=REGISTRY,
)
CONSOLES = Gauge(
    "muster_live_streams",
    "Live event streams (consoles) this node is serving now.",
    registry=REGISTRY,
)
HANDSETS = Gauge(
    "muster_handsets_connected",
    "Handset WebSocket connections this node is serving now (0 until comms reports them).",
    registry=REGISTRY,
)

DECIDED_KIND = "access.decided"
ESCALATED_KIND = "comms.message.escalated"


def count_committed(events: Iterable[dict[str, Any]]) -> None:
    """Count committed events (wire form) into the event-fed counters."""
    for item in events:
        kind = str(item.get("kind", ""))
        EVENTS.labels(domain=kind.split(".", 1)[0] or "unknown").inc()
        if kind == DECIDED_KIND:
            allowed = bool((item.get("payload") or {}).get("allowed"))
            DECISIONS.labels(outcome="allowed" if allowed else "denied").inc()
        elif kind == ESCALATED_KIND:
            ESCALATIONS.inc()


def track_live_streams(count: Callable[[], int]) -> None:
    """Read the number of live streams from ``count`` at each scrape."""
    CONSOLES.set_function(lambda: float(count()))


def track_handsets(count: Callable[[], int]) -> None:
    """Read the number of connected handsets from ``count`` at each scrape (for comms)."""
    HANDSETS.set_function(lambda: float(count()))


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus text format, and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
