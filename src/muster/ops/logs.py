"""Structured logs: one JSON object per line on standard error, with the request id.

``configure_logging`` is called by ``muster serve``; it routes the standard library's
loggers (Muster's own, uvicorn's, SQLAlchemy's warnings) through structlog, so every line
a node writes is JSON with ``timestamp``, ``level``, ``logger``, ``event`` and, inside a
request, ``request_id``. journald or any log shipper can then index them.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

from muster.ops import context

_SHARED: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def _add_request(
    _logger: Any, _name: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    ctx = context.current()
    if ctx.request_id and "request_id" not in event:
        event["request_id"] = ctx.request_id
    return event


def json_formatter() -> logging.Formatter:
    """A formatter that renders any standard-library record as one JSON line."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_SHARED, _add_request],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(sort_keys=True),
        ],
    )


def _route_structlog_to_stdlib() -> None:
    # Through the standard library, so that tests capture it and handlers decide the format.
    structlog.configure(
        processors=[
            *_SHARED,
            _add_request,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def configure_logging(level: str = "INFO", stream: Any = None) -> None:
    """Send every log line, Muster's and its libraries', as JSON to ``stream`` (stderr)."""
    _route_structlog_to_stdlib()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(json_formatter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True
    # Our middleware writes one access line per request, with its id; uvicorn's is redundant.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)


def get_logger(name: str) -> Any:
    """A structlog logger (key-value events) named ``name``, going through ``logging``."""
    if not structlog.is_configured():
        _route_structlog_to_stdlib()
    return structlog.get_logger(name)
